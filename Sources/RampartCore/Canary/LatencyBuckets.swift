/// An HDR latency histogram's nonzero buckets, in order: each bucket's lowest equivalent value
/// (microseconds) and its count. Kept instead of the histogram's full array because its
/// percentile walk visits every bucket below the answer, some 11,000 at p95 of a two-second
/// latency, for the few hundred a canary's latencies occupy; that walk, done for every
/// analysis, was a third of `rampart simulate`. Answers are the histogram's own, bucket for
/// bucket (`HistogramPercentileTests`).
struct LatencyBuckets: Sendable {
    /// Ascending lowest equivalent values of the buckets holding something, and their counts.
    private(set) var lows: [UInt64] = []
    private(set) var counts: [UInt64] = []

    mutating func add(low: UInt64, count: UInt64 = 1) {
        // Most values land in a bucket already there: found by binary search.
        var lo = 0
        var hi = lows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if lows[mid] < low { lo = mid + 1 } else { hi = mid }
        }
        if lo < lows.count && lows[lo] == low {
            counts[lo] += count
        } else {
            lows.insert(low, at: lo)
            counts.insert(count, at: lo)
        }
    }

    /// Both sets of buckets, merged in one pass (same bucket boundaries on both sides).
    mutating func merge(_ other: LatencyBuckets) {
        guard !other.lows.isEmpty else { return }
        guard !lows.isEmpty else {
            self = other
            return
        }
        var mergedLows: [UInt64] = []
        var mergedCounts: [UInt64] = []
        mergedLows.reserveCapacity(lows.count + other.lows.count)
        mergedCounts.reserveCapacity(lows.count + other.lows.count)
        var i = 0
        var j = 0
        while i < lows.count || j < other.lows.count {
            if j == other.lows.count || (i < lows.count && lows[i] < other.lows[j]) {
                mergedLows.append(lows[i])
                mergedCounts.append(counts[i])
                i += 1
            } else if i == lows.count || other.lows[j] < lows[i] {
                mergedLows.append(other.lows[j])
                mergedCounts.append(other.counts[j])
                j += 1
            } else {
                mergedLows.append(lows[i])
                mergedCounts.append(counts[i] + other.counts[j])
                i += 1
                j += 1
            }
        }
        lows = mergedLows
        counts = mergedCounts
    }

    /// For each target count (ascending), the lowest value of the first bucket at which the
    /// running count reaches it.
    func lows(reaching targets: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(targets.count)
        var total: UInt64 = 0
        var k = 0
        for (low, count) in zip(lows, counts) {
            total += count
            while k < targets.count && total >= targets[k] {
                out.append(low)
                k += 1
            }
            if k == targets.count { break }
        }
        return out
    }

    /// The count of values in buckets whose lowest value is at most `low`.
    func count(atOrBelow low: UInt64) -> UInt64 {
        var total: UInt64 = 0
        for (l, count) in zip(lows, counts) {
            if l > low { break }
            total += count
        }
        return total
    }
}
