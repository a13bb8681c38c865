import Foundation

/// Who is acting, resolved the same way by every command, so the name the dashboard shows is
/// the name `rampart rollback` and `rampart recover` record: `--operator`, then
/// `$RAMPART_OPERATOR`, `$USER`, `$LOGNAME` (empty values skipped: a CI container often sets
/// none), then the account's name, then the uid.
enum OperatorName {
    static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for candidate in [explicit, environment["RAMPART_OPERATOR"], environment["USER"], environment["LOGNAME"]] {
            if let name = candidate?.trimmingCharacters(in: .whitespaces), !name.isEmpty { return name }
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}
