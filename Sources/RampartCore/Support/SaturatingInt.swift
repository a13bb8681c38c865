extension Int {
    /// `Int(d)` that never traps: NaN is 0, values beyond the range are clamped. For numbers that
    /// come from outside (a run file, a metrics backend, a spec), where `Int(1e300)` would
    /// crash the process instead of giving a wrong-but-visible number.
    public init(saturating d: Double) {
        if d.isNaN {
            self = 0
        } else if d >= 9.2e18 {
            self = Int.max
        } else if d <= -9.2e18 {
            self = Int.min
        } else {
            self = Int(d)
        }
    }
}
