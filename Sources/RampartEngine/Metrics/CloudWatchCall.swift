import Foundation
import RampartAWS
import RampartCore

extension AWSClient {
    /// One CloudWatch action over its JSON 1.0 protocol (with the query-compatibility header
    /// botocore sends, so errors come back with their query-protocol codes); the answer as JSON.
    func cloudWatch(_ operation: String, _ body: [String: Any]) async throws(AWSCallError) -> [String: Any] {
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        } catch {
            throw .transport(RequestFailure(.badRequest, message: "cannot encode the \(operation) request"))
        }
        let answer = try await send(
            "POST", path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.\(operation)"),
                ("x-amzn-query-mode", "true"),
            ], body: bytes)
        return (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]) ?? [:]
    }
}
