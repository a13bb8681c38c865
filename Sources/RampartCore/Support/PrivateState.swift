import Foundation

/// Rampart's state (`.rampart/`: run files, the response cache with model answers, the control
/// socket, logs) is readable by its owner only: another local user must not read every run, the
/// answers a gate paid for, or steer a canary. Directories are 0700, files 0600.
public enum PrivateState {
    public static let directoryMode: mode_t = 0o700
    public static let fileMode: mode_t = 0o600

    /// Creates the directory (and its parents) owner-only. A `.rampart` directory that already
    /// exists with wider permissions is narrowed; other existing directories (`/tmp`, a CI
    /// workspace a `--record` path points into) are left as they are.
    public static func directory(_ path: String) throws {
        guard !path.isEmpty else { return }
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        }
        // Narrow every `.rampart` directory on the way (a checkout's state from an older version was 0755).
        var url = URL(fileURLWithPath: path).standardizedFileURL
        while url.path != "/" {
            if url.lastPathComponent == ".rampart" { chmod(url.path, directoryMode) }
            url.deleteLastPathComponent()
        }
    }

    /// The directory that holds `file`, owner-only.
    public static func directory(containing file: String) throws {
        try directory((file as NSString).deletingLastPathComponent)
    }
}
