import Foundation
import RampartCore
import RampartNet

/// Signed requests to one AWS service in one region, with AWS's standard retry mode expressed
/// in the one `RetryPolicy`: throttling, transient errors and lost connections are retried with
/// exponential backoff and jitter, at most three attempts in all; expired temporary credentials
/// are refreshed once. Errors come back decoded from whichever shape the service used.
public struct AWSClient: Sendable {
    public var service: AWSService
    public var region: String
    /// Base URL, such as `https://sns.eu-west-1.amazonaws.com` or a loopback emulator.
    public var endpoint: String
    /// Nil: requests go unsigned (STS `AssumeRoleWithWebIdentity` takes no signature).
    public var credentials: AWSCredentialProvider?
    public var transport: AWSTransport
    /// Each attempt's deadline, in seconds.
    public var timeout: Double
    public var retry: RetryPolicy

    /// AWS's standard mode: three attempts, backoff from 1 s doubling up to 20 s.
    public static let standardRetry = RetryPolicy(retries: 2, base: 1, cap: 20, maxRetryAfter: 20)

    public init(
        service: AWSService, region: String, endpoint: String, credentials: AWSCredentialProvider?, transport: AWSTransport = .live,
        timeout: Double = 30, retry: RetryPolicy = AWSClient.standardRetry
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.credentials = credentials
        self.transport = transport
        self.timeout = timeout
        self.retry = retry
    }

    /// A query-protocol call (SNS, STS, SQS, IAM): form-encoded parameters in, XML out.
    public func query(_ action: String, version: String, _ parameters: [(String, String)] = []) async throws(AWSCallError) -> XMLText {
        let form = ([("Action", action), ("Version", version)] + parameters)
            .map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let response = try await send(
            "POST", path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8))
        return XMLText(response.body)
    }

    /// `application/x-www-form-urlencoded` as botocore writes it (Python's `urlencode`): spaces
    /// as `+`, unreserved bytes kept, the rest `%XX`. AWS reads either form of a space; moto
    /// re-encodes the body this way before checking the signature, so only this one passes there.
    static func formEncode(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).map { SigV4.encode(String($0)) }.joined(separator: "+")
    }

    /// A JSON 1.0/1.1 call (CloudWatch, CodePipeline): `X-Amz-Target`, JSON in and out.
    public func json(target: String, version: String = "1.0", body: [UInt8]) async throws(AWSCallError) -> [UInt8] {
        try await send(
            "POST", path: "/", headers: [("Content-Type", "application/x-amz-json-\(version)"), ("X-Amz-Target", target)], body: body
        ).body
    }

    /// A rest-json call (Bedrock Runtime, Lambda, AppConfig): `path` already percent-encoded.
    public func restJSON(_ method: String, path: String, body: [UInt8]? = nil) async throws(AWSCallError) -> [UInt8] {
        let headers: [(String, String)] = body == nil ? [] : [("Content-Type", "application/json")]
        return try await send(method, path: path, headers: headers, body: body ?? []).body
    }

    /// One call, retried as the standard mode says; a 2xx answer or the last failure.
    public func send(_ method: String, path: String, headers: [(String, String)], body: [UInt8]) async throws(AWSCallError)
        -> ServiceHTTP.Response
    {
        var attempt = 0
        var refreshed = false
        while true {
            let failure: AWSCallError
            do {
                return try await once(method, path: path, headers: headers, body: body)
            } catch {
                failure = error
            }
            if case .service(let e) = failure, e.isExpiredCredentials, !refreshed, let credentials {
                refreshed = true
                await credentials.invalidate()
                continue
            }
            if case .credentials = failure { throw failure }
            guard let wait = retry.delay(after: failure.requestFailure, attempt: attempt, jitter: transport.jitter()) else { throw failure }
            await transport.sleep(wait)
            attempt += 1
        }
    }

    private func once(_ method: String, path: String, headers: [(String, String)], body: [UInt8]) async throws(AWSCallError)
        -> ServiceHTTP.Response
    {
        let url = endpoint + (path.hasPrefix("/") ? path : "/" + path)
        var sent = headers
        if let credentials {
            let keys: AWSCredentials
            do {
                keys = try await credentials.current()
            } catch {
                throw .credentials(error)
            }
            let request = SigV4.Request(method: method, url: url, headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
            do {
                sent = try SigV4.sign(request, credentials: keys, service: service.signingName, region: region, date: transport.now())
                    .headers.map { ($0.name, $0.value) }
            } catch {
                throw .transport(RequestFailure(.badRequest, message: error.description))
            }
        }
        let response: ServiceHTTP.Response
        do {
            response = try await transport.send(method, url, sent, body, timeout)
        } catch {
            throw .transport(error.requestFailure(host: ServiceHTTP.hostName(URL(string: url)), timeout: timeout))
        }
        guard (200..<300).contains(response.status) else {
            throw .service(AWSError.decode(status: response.status, headers: response.headers, body: response.body))
        }
        return response
    }
}
