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

    /// index.py returning {"ok": True} (version 1) and {"ok": 2} (version 2), zipped: Lambda
    /// publishes a new version only when the code changed.
    static let code = [
        "UEsDBBQAAAAAAAAAgV2sKm9YNQAAADUAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJvayI6IFRydWV9ClBLAQIUAxQAAAAAAAAAgV2sKm9YNQAAADUAAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABbAAAAAAA=",
        "UEsDBBQAAAAAAAAAgV0kRlj1MgAAADIAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJvayI6IDJ9ClBLAQIUAxQAAAAAAAAAgV0kRlj1MgAAADIAAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABYAAAAAAA=",
    ]

    /// Creates the function, publishes versions 1 and 2 and points `live` at 1.
    public static func create(on moto: MotoServer) async throws -> MotoLambda {
        let lambda = moto.client(.lambda)
        let name = "support-bot-\(UInt32.random(in: 0...UInt32.max))"
        let create: [String: Any] = [
            "FunctionName": name, "Runtime": "python3.12", "Role": moto.roleARN, "Handler": "index.handler", "Code": ["ZipFile": code[0]],
        ]
        _ = try await lambda.restJSON("POST", path: "/2015-03-31/functions", body: Array(try JSONSerialization.data(withJSONObject: create)))
        for (i, description) in ["2025-06-01", "2025-09-14"].enumerated() {
            if i > 0 {
                let update = Array(try JSONSerialization.data(withJSONObject: ["ZipFile": code[i]]))
                _ = try await lambda.restJSON("PUT", path: "/2015-03-31/functions/\(name)/code", body: update)
            }
            let body = Array(try JSONSerialization.data(withJSONObject: ["Description": description]))
            let published = try await lambda.restJSON("POST", path: "/2015-03-31/functions/\(name)/versions", body: body)
            let version = (try? JSONSerialization.jsonObject(with: Data(published)) as? [String: Any])?["Version"] as? String
            guard version == String(i + 1) else { throw MotoServer.MotoError(message: "moto published version \(version ?? "?"), not \(i + 1)") }
        }
        let alias = Array(try JSONSerialization.data(withJSONObject: ["Name": "live", "FunctionVersion": "1"]))
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

    /// The candidate's share in percent as the alias routes it: 0 on version 1 alone, 100 on
    /// version 2 alone, nil when it cannot be read.
    public func candidatePercent() async -> Double? {
        guard let (version, weights) = try? await alias() else { return nil }
        if version == "2" && weights.isEmpty { return 100 }
        guard version == "1" else { return nil }
        return (weights["2"] ?? 0) * 100
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
