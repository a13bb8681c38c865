import Foundation
import RampartAWS

/// A Lambda function on moto with two published versions and an alias `live` on the first: what
/// `router: lambda_alias` moves, for the router's own tests and for whole runs through the CLI.
public struct MotoLambda: Sendable {
    public let moto: MotoServer
    public let function: String

    public init(moto: MotoServer, function: String) {
        self.moto = moto
        self.function = function
    }

    /// index.py returning {"version": N} for N = 1…4, zipped: Lambda publishes a new version
    /// only when the code changed.
    static let code = [
        "UEsDBBQAAAAAAAAAIVryoV+SNwAAADcAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJ2ZXJzaW9uIjogMX0KUEsBAhQDFAAAAAAAAAAhWvKhX5I3AAAANwAAAAgAAAAAAAAAAAAAAKQBAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAF0AAAAAAA==",
        "UEsDBBQAAAAAAAAAIVqrHxmQNwAAADcAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJ2ZXJzaW9uIjogMn0KUEsBAhQDFAAAAAAAAAAhWqsfGZA3AAAANwAAAAgAAAAAAAAAAAAAAKQBAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAF0AAAAAAA==",
        "UEsDBBQAAAAAAAAAIVqcdduRNwAAADcAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJ2ZXJzaW9uIjogM30KUEsBAhQDFAAAAAAAAAAhWpx125E3AAAANwAAAAgAAAAAAAAAAAAAAKQBAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAF0AAAAAAA==",
        "UEsDBBQAAAAAAAAAIVoZY5SUNwAAADcAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJ2ZXJzaW9uIjogNH0KUEsBAhQDFAAAAAAAAAAhWhljlJQ3AAAANwAAAAgAAAAAAAAAAAAAAKQBAAAAAGluZGV4LnB5UEsFBgAAAAABAAEANgAAAF0AAAAAAA==",
    ]

    /// Creates a function (a random name unless given), publishes versions 1…`versions` and
    /// points `live` at `aliasVersion` with no extra weights. An existing function of that name
    /// (an earlier test's) keeps its versions and gets its alias put back.
    public static func create(on moto: MotoServer, name given: String? = nil, versions: Int = 2, aliasVersion: String = "1") async throws
        -> MotoLambda
    {
        precondition((1...code.count).contains(versions))
        let lambda = moto.client(.lambda)
        let name = given ?? "support-bot-\(UInt32.random(in: 0...UInt32.max))"
        let reset = Array(
            try JSONSerialization.data(withJSONObject: ["FunctionVersion": aliasVersion, "RoutingConfig": ["AdditionalVersionWeights": [:]]]))
        if given != nil, (try? await lambda.restJSON("GET", path: "/2015-03-31/functions/\(name)")) != nil {
            _ = try await lambda.restJSON("PUT", path: "/2015-03-31/functions/\(name)/aliases/live", body: reset)
            return MotoLambda(moto: moto, function: name)
        }
        let create: [String: Any] = [
            "FunctionName": name, "Runtime": "python3.12", "Role": moto.roleARN, "Handler": "index.handler", "Code": ["ZipFile": code[0]],
        ]
        _ = try await lambda.restJSON("POST", path: "/2015-03-31/functions", body: Array(try JSONSerialization.data(withJSONObject: create)))
        for i in 0..<versions {
            if i > 0 {
                let update = Array(try JSONSerialization.data(withJSONObject: ["ZipFile": code[i]]))
                _ = try await lambda.restJSON("PUT", path: "/2015-03-31/functions/\(name)/code", body: update)
            }
            let body = Array(try JSONSerialization.data(withJSONObject: ["Description": "release \(i + 1)"]))
            let published = try await lambda.restJSON("POST", path: "/2015-03-31/functions/\(name)/versions", body: body)
            let version = (try? JSONSerialization.jsonObject(with: Data(published)) as? [String: Any])?["Version"] as? String
            guard version == String(i + 1) else { throw MotoServer.MotoError(message: "moto published version \(version ?? "?"), not \(i + 1)") }
        }
        let alias = Array(try JSONSerialization.data(withJSONObject: ["Name": "live", "FunctionVersion": aliasVersion]))
        _ = try await lambda.restJSON("POST", path: "/2015-03-31/functions/\(name)/aliases", body: alias)
        return MotoLambda(moto: moto, function: name)
    }

    /// The alias as GetAlias shows it: its version and the extra versions' weights.
    public func alias() async throws -> (version: String, weights: [String: Double]) {
        let bytes = try await moto.client(.lambda).restJSON("GET", path: "/2015-03-31/functions/\(function)/aliases/live")
        let a = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
        let weights = ((a["RoutingConfig"] as? [String: Any])?["AdditionalVersionWeights"] as? [String: NSNumber] ?? [:]).mapValues(\.doubleValue)
        return (a["FunctionVersion"] as? String ?? "?", weights)
    }

    /// The candidate's share in percent as the alias routes it: 0 on the baseline alone, 100 on
    /// the candidate alone, nil when it cannot be read or routes elsewhere.
    public func candidatePercent(baseline: String = "1", candidate: String = "2") async -> Double? {
        guard let (version, weights) = try? await alias() else { return nil }
        if version == candidate && weights.isEmpty { return 100 }
        guard version == baseline, weights.keys.allSatisfy({ $0 == candidate }) else { return nil }
        return (weights[candidate] ?? 0) * 100
    }
}

extension MotoServer {
    /// What a Rampart process needs to reach this server: its key, its region, no instance
    /// metadata and a home without AWS files.
    public var processEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey, "AWS_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true", "HOME": TestPaths.temporaryDirectory(),
        ]
    }
}
