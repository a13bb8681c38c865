import RampartCore
import RampartEngine

extension Engine {
    /// Runs the gates alone and reads their reports from the events, as `rampart eval` does.
    public func evaluateGates() async -> [GateReport] {
        _ = await run(.gates)
        return GateReport.collect(bus.events)
    }
}
