import Glibc

/// Spawn attributes that give a child a clean signal state: nothing blocked, every handler at
/// its default. A child inherits its parent thread's signal mask, and Swift's async threads
/// block most signals: a tmux server spawned from one ignored its own `kill-server` (SIGTERM to
/// itself), so the dashboards it ran outlived the test suite, and later the benchmark, by hours.
public func withCleanSignalState<T>(_ body: (UnsafePointer<posix_spawnattr_t>) throws -> T) rethrows -> T {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return try body(&attributes)
}
