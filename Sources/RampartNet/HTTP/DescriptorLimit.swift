#if canImport(Glibc)
    import Glibc
#endif

/// The process's open-file limit. Every proxied connection holds two descriptors (client and
/// upstream); shells often start programs with a soft limit of 1,024 while the hard limit
/// allows far more, so a busy proxy would refuse connections long before the machine must.
/// Raising the soft limit to the hard one is what nginx (`worker_rlimit_nofile`) and Go's
/// runtime do for the same reason.
public enum DescriptorLimit {
    /// Raises the soft limit to the hard limit (capped at `ceiling`); returns the limit now in force.
    @discardableResult
    public static func raise(ceiling: UInt = 1 << 20) -> UInt {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let wanted = min(UInt(limit.rlim_max), ceiling)
        if UInt(limit.rlim_cur) < wanted {
            var raised = limit
            raised.rlim_cur = rlim_t(wanted)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return wanted }
        }
        return UInt(limit.rlim_cur)
    }
}
