/// How much of a split one part takes.
public enum Constraint: Hashable, Sendable {
    /// Exactly this many cells (less if the space runs out).
    case fixed(Int)
    /// This percentage of the whole length, rounded down.
    case percent(Int)
    /// A share of what is left after fixed and percent parts, in proportion to the weight.
    case fill(Int)

    /// A fill part of weight 1.
    public static let fill = Constraint.fill(1)
}

/// The direction of a split.
public enum Axis: Hashable, Sendable {
    /// Parts stacked top to bottom (rows).
    case vertical
    /// Parts side by side, left to right (columns).
    case horizontal
}

extension Rect {
    /// Splits this rectangle along `axis` into one part per constraint.
    ///
    /// Fixed and percent parts are served first, in order, until the length runs out; fill parts
    /// share the remainder by weight, the rounding leftovers going to the earliest fill parts.
    /// Parts always tile the rectangle without overlap; the last ones may be empty.
    public func split(_ axis: Axis, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        guard !constraints.isEmpty else { return [] }
        let total = axis == .vertical ? height : width
        let gaps = max(0, spacing) * (constraints.count - 1)
        var remaining = max(0, total - gaps)
        var lengths = [Int](repeating: 0, count: constraints.count)
        var fillWeight = 0
        for (index, constraint) in constraints.enumerated() {
            switch constraint {
            case .fixed(let n):
                lengths[index] = min(max(0, n), remaining)
                remaining -= lengths[index]
            case .percent(let p):
                lengths[index] = min(max(0, min(100, p)) * total / 100, remaining)
                remaining -= lengths[index]
            case .fill(let weight):
                fillWeight += max(0, weight)
            }
        }
        if fillWeight > 0 {
            let pool = remaining
            var given = 0
            for (index, constraint) in constraints.enumerated() {
                if case .fill(let weight) = constraint {
                    lengths[index] = pool * max(0, weight) / fillWeight
                    given += lengths[index]
                }
            }
            var leftover = pool - given
            for (index, constraint) in constraints.enumerated() where leftover > 0 {
                if case .fill(let weight) = constraint, weight > 0 {
                    lengths[index] += 1
                    leftover -= 1
                }
            }
        }
        var offset = axis == .vertical ? y : x
        var parts: [Rect] = []
        parts.reserveCapacity(constraints.count)
        for (index, length) in lengths.enumerated() {
            if axis == .vertical {
                parts.append(Rect(x: x, y: offset, width: width, height: length))
            } else {
                parts.append(Rect(x: offset, y: y, width: length, height: height))
            }
            offset += length + (index < lengths.count - 1 ? max(0, spacing) : 0)
        }
        return parts
    }
}
