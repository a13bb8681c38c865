/// One value for each version, baseline and candidate. A dictionary keyed by `Variant` can miss
/// (and was read with `!` everywhere); this cannot.
public struct PerVariant<Value> {
    public var baseline: Value
    public var candidate: Value

    public init(baseline: Value, candidate: Value) {
        self.baseline = baseline
        self.candidate = candidate
    }

    /// Both built the same way, for instance `PerVariant { _ in Counter() }`.
    public init(_ make: (Variant) -> Value) {
        self.init(baseline: make(.baseline), candidate: make(.candidate))
    }

    public subscript(_ variant: Variant) -> Value {
        get { variant == .baseline ? baseline : candidate }
        // In place: a get-then-set would copy the value, and a value holding arrays (an arm's
        // latency buckets) would copy them whole on every change.
        _modify {
            switch variant {
            case .baseline: yield &baseline
            case .candidate: yield &candidate
            }
        }
    }
}

extension PerVariant: Sendable where Value: Sendable {}
extension PerVariant: Equatable where Value: Equatable {}
