import RampartCore
import Testing

@testable import RampartNet

/// The relay's own HTTP/1.1 parsing: what it accepts, and the status it answers what it refuses.
@Suite struct HTTP1ParserTests {
    func parse(_ text: String, request: Bool = true) throws(HTTP1Error) -> HTTP1Head? {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(HTTP1Error) in try HTTP1Parser.parse(buffer, from: 0, isRequest: request) }
    }

    func refusal(_ text: String, request: Bool = true) -> Int? {
        do {
            _ = try parse(text, request: request)
            return nil
        } catch {
            return error.status
        }
    }

    @Test func aRequestHeadIsReadWithItsHeadersAndFraming() throws {
        let text = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\ncontent-length:  12 \r\n\r\n{\"a\":1}"
        let head = try #require(try parse(text))
        #expect(head.first == "POST")
        #expect(head.second == "/v1/chat/completions?x=1")
        #expect(head.minorVersion == 1)
        #expect(head.headers.map(\.name) == ["Host", "Content-Type", "content-length"])
        #expect(head.headers[2].value == "12")
        #expect(head.framing == .length(12))
        #expect(head.end == text.utf8.count - 7)
        #expect(!head.closes && !head.expectsContinue)
        // Bare LF line ends are accepted too, and leading empty lines skipped.
        let lf = try #require(try parse("\r\nGET /v1/models HTTP/1.0\nConnection: keep-alive\n\n"))
        #expect(lf.first == "GET" && lf.minorVersion == 0 && !lf.closes && lf.framing == .length(0))
    }

    @Test func aHeadIsNotReadUntilItsEndHasArrived() throws {
        #expect(try parse("POST / HTTP/1.1\r\nHost: a\r\n") == nil)
        #expect(try parse("POST / HTTP/1.1\r\nHost: a\r\n\r") == nil)
        #expect(try parse("") == nil)
    }

    @Test func connectionTokensDecideWhetherTheConnectionStays() throws {
        #expect(try #require(try parse("GET / HTTP/1.0\r\n\r\n")).closes)
        #expect(try #require(try parse("GET / HTTP/1.1\r\nConnection: upgrade, Close\r\n\r\n")).closes)
        #expect(try #require(try parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n")).closes == false)
        #expect(try #require(try parse("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n")).expectsContinue)
        #expect(try #require(try parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).framing == .chunked)
    }

    @Test func whatCannotBeReadSafelyIsRefusedWithItsStatus() {
        #expect(refusal("POST / HTTP/2.0\r\n\r\n") == 505)
        #expect(refusal("POST /\r\n\r\n") == 400)
        #expect(refusal("PO(ST / HTTP/1.1\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nBad Name: x\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == 400)
        // Both framings at once is a smuggling attempt; an unknown coding is not implemented.
        #expect(refusal("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501)
        #expect(refusal("POST / HTTP/1.1\r\nExpect: something\r\n\r\n") == 417)
        #expect(refusal("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: HTTP1Parser.maxHeadBytes) + "\r\n\r\n") == 431)
        // A response that makes no sense is the upstream's fault: 502.
        #expect(refusal("HTTP/1.1 2000 OK\r\n\r\n", request: false) == 502)
        #expect(refusal("SIP/2.0 200 OK\r\n\r\n", request: false) == 502)
    }

    /// Heads mangled at random (bytes the parser cares about put in, taken out and swapped) and
    /// cut off anywhere: the parser answers each with a head, a wait or a refusal, never a crash,
    /// and a head it returns describes bytes that are there. Seeded, so a failure repeats.
    @Test func mangledHeadsAreReadOrRefusedNeverCrashed() {
        let seeds = [
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: keep-alive, close\r\n\r\n{}",
            "GET / HTTP/1.0\nExpect: 100-continue\nTransfer-Encoding: chunked\n\n",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n",
        ]
        let interesting = Array("\r\n:, \t0123456789aAzZ/H".utf8) + [0x00, 0x7F, 0xFF]
        var random = SeededRandom(seed: 19)
        var outcomes = [0, 0, 0]
        for _ in 0..<20_000 {
            var bytes = Array(seeds.randomElement(using: &random)!.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.insert(interesting.randomElement(using: &random)!, at: at)
                case 1: if bytes.count > 1 { bytes.remove(at: at) }
                default: bytes[at] = interesting.randomElement(using: &random)!
                }
            }
            if Int.random(in: 0..<4, using: &random) == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            for isRequest in [true, false] {
                do {
                    guard
                        let head = try bytes.withUnsafeBufferPointer({ buffer throws(HTTP1Error) in
                            try HTTP1Parser.parse(buffer, from: 0, isRequest: isRequest)
                        })
                    else {
                        outcomes[1] += 1
                        continue
                    }
                    outcomes[0] += 1
                    #expect(head.end <= bytes.count && head.raw.count < head.end + 1)
                    let inside = { (r: Range<Int>) in r.lowerBound >= 0 && r.upperBound <= head.raw.count }
                    #expect(inside(head.firstField) && inside(head.secondField) && head.fields.allSatisfy { inside($0.name) && inside($0.value) })
                    #expect(isRequest || (100...999).contains(head.status))
                } catch {
                    outcomes[2] += 1
                    #expect([400, 417, 431, 501, 502, 505].contains(error.status), "\(error)")
                }
            }
        }
        #expect(outcomes.allSatisfy { $0 > 1000 }, "heads read, waited for and refused: \(outcomes)")
    }

    @Test func aResponseWithoutLengthRunsUntilClose() throws {
        let head = try #require(try parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc", request: false))
        #expect(head.status == 200 && head.framing == .untilClose)
        let empty = try #require(try parse("HTTP/1.1 204 \r\n\r\n", request: false))
        #expect(empty.status == 204)
    }

    func decode(_ text: String, pieces: Int, limit: Int = 1 << 20) throws(HTTP1Error) -> (body: String, end: Int, done: Bool) {
        var decoder = ChunkedDecoder()
        let bytes = Array(text.utf8)
        var end = 0
        var arrived = 0
        // Bytes arrive `pieces` at a time; the decoder resumes where it stopped.
        while arrived < bytes.count && !decoder.isDone {
            arrived = min(bytes.count, arrived + pieces)
            let prefix = Array(bytes[0..<arrived])
            end = try prefix.withUnsafeBufferPointer { buffer throws(HTTP1Error) in try decoder.feed(buffer, from: end, limit: limit) }
        }
        return (String(decoding: decoder.body, as: UTF8.self), end, decoder.isDone)
    }

    @Test func aChunkedBodyDecodesTheSameInAnyPieces() throws {
        let text = "5;ext=1\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT"
        for pieces in [1, 2, 3, 7, 100] {
            let (body, end, done) = try decode(text, pieces: pieces)
            #expect(done)
            #expect(body == "hello, world0123456789")
            #expect(end == text.utf8.count - 4, "stops at the end of the message, before the next one")
        }
        #expect(try decode("5\r\nhel", pieces: 100).done == false)
    }

    @Test func aMalformedOrOversizedChunkedBodyIsRefused() {
        func status(_ text: String, limit: Int = 1 << 20) -> Int? {
            do {
                _ = try decode(text, pieces: 100, limit: limit)
                return nil
            } catch {
                return error.status
            }
        }
        #expect(status("zz\r\nhello\r\n0\r\n\r\n") == 400)
        #expect(status("3\r\nhello\r\n0\r\n\r\n") == 400)
        #expect(status("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", limit: 8) == 413)
        #expect(status("ffffffffffffffffff\r\n") == 400)
    }
}

/// The relay reads requests off their bytes; the proxy's rules must see the same request either
/// way, and header names match ignoring case only.
@Suite struct RelayRequestTests {
    func relayed(_ text: String) throws -> RelayRequest {
        let bytes = Array(text.utf8)
        let head = try #require(try bytes.withUnsafeBufferPointer { try HTTP1Parser.parse($0, from: 0, isRequest: true) })
        return RelayRequest(head: head, body: Array(bytes[head.end...]))
    }

    @Test func theBytesAnswerAsTheParsedMessageDoes() throws {
        for text in [
            "POST /v1/chat/completions?x=/embeddings HTTP/1.1\r\nX-Rampart-Item: q1\r\nx-user-id: u\r\nContent-Length: 2\r\n\r\n{}",
            "GET /v1/models HTTP/1.1\r\nx-rampart-synthetic: 1\r\n\r\n",
            "POST /gw/v1/embeddings HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
            "PUT /v1/chat/completions/ HTTP/1.1\r\n\r\n",
        ] {
            let request = try relayed(text)
            let message = request.message
            #expect(request.isPost == message.isPost && request.isGet == message.isGet, "\(text)")
            for path in ["/v1/chat/completions", "/v1/embeddings", "/v1/models", "/gw/v1/embeddings"] {
                #expect(request.pathIs(path) == message.pathIs(path), "\(text) \(path)")
                #expect(request.pathHasSuffix(path) == message.pathHasSuffix(path), "\(text) \(path)")
                #expect(request.pathHasSuffix(path) == message.path.hasSuffix(path), "\(text) \(path)")
            }
            for name in ["x-rampart-item", "X-RAMPART-SYNTHETIC", "x-user-id", "content-length", "x-missing"] {
                #expect(request.header(name) == message.header(name), "\(text) \(name)")
            }
            #expect(message.body == request.body)
        }
        #expect(try relayed("POST /v1/embeddings HTTP/1.1\r\nX-Rampart-Item: q1\r\n\r\n").header("x-rampart-item") == "q1")
    }

    @Test func headerNameSetsIgnoreCaseAndNothingElse() {
        let set = HeaderNameSet(["Authorization", "x-tenant", String(repeating: "a", count: 70)])
        #expect(set.contains("authorization") && set.contains("AUTHORIZATION") && set.contains("X-Tenant"))
        #expect(!set.contains("authorizatio") && !set.contains("x-tenants") && !set.contains("x_tenant") && !set.contains(""))
        #expect(set.contains(String(repeating: "A", count: 70)) && !set.contains(String(repeating: "a", count: 71)))
        #expect(HeaderNameSet.connectionAndLength.contains("Content-Length") && HeaderNameSet.connectionAndLength.contains("keep-alive"))
        #expect(!HeaderNameSet.connectionAndLength.contains("Content-Type"))
        #expect(sameHeaderName("Content-Type", "content-type") && !sameHeaderName("Content-Type", "content-typ"))
        // Only ASCII letters fold: "[" is not "{".
        #expect(!sameHeaderName("a[", "a{"))
    }
}
