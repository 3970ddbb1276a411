/// Adds subscription keys up over routers, one router's row at a time, into the key view's
/// aggregates (`KeyAggregate.aggregate(_:)`, and the snapshot's totals worked out off the UI
/// thread).
///
/// The totals are plain numbers kept apart from the keys' names: adding a router's key reads a
/// few fields of its stats in place (no copy of its name or node dictionary), finds the key's
/// totals by its number when the row was numbered (`KeyNumbers`), else by its name, and adds.
struct KeyTotals {
    /// One key's numbers.
    private struct Counts {
        var routers = 0
        var okRouters = 0
        var troubledRouters = 0
        var goneRouters = 0
        var tally = StateTally()
        var requests: UInt64 = 0
        var failures: UInt64 = 0
        var requestsPerSecond: Double?
        // The row that last added to it, so a key a router lists twice counts once.
        var lastRow = -1
    }

    /// How a router's status counts in a key's totals.
    enum Standing {
        case ok, troubled, other, gone

        init(_ status: RouterStatus) {
            switch status {
            case .ok: self = .ok
            case .stale, .unreachable: self = .troubled
            case .neverPolled: self = .other
            case .gone: self = .gone
            }
        }
    }

    private var names: [String] = []
    private var counts: [Counts] = []
    // Positions in `counts` by key number (numbering `numbering`), -1 where none yet.
    private var byNumber: [Int32] = []
    private var numbering: UInt64?
    // Positions by name: the keys of rows of another numbering or none, and every key seen,
    // so that a key found by name and by number has one position.
    private var byName: [HashedKey: Int] = [:]
    private var rowCount = 0

    /// No keys.
    init() {}

    /// Adds the keys of `row` as its status says (a gone router counts apart; see `KeyAggregate`).
    mutating func add(_ row: RouterRow) {
        let rowIndex = rowCount
        rowCount += 1
        let keys = row.keyStats
        guard !keys.isEmpty else { return }
        let standing = Standing(row.status)
        // By index: each key's stats are read in the row's array, not copied out.
        for index in keys.indices {
            let position = self.position(of: keys, index)
            guard counts[position].lastRow != rowIndex else { continue }
            counts[position].lastRow = rowIndex
            if standing == .gone {
                counts[position].goneRouters &+= 1
                continue
            }
            counts[position].routers &+= 1
            switch standing {
            case .ok: counts[position].okRouters &+= 1
            case .troubled: counts[position].troubledRouters &+= 1
            case .other, .gone: break
            }
            counts[position].tally.add(keys[index].tally)
            counts[position].requests = counts[position].requests.saturatingAdding(keys[index].requests)
            counts[position].failures = counts[position].failures.saturatingAdding(keys[index].failures)
            if let rate = keys[index].requestsPerSecond {
                counts[position].requestsPerSecond = (counts[position].requestsPerSecond ?? 0) + rate
            }
        }
    }

    /// Where the totals of key `index` of `keys` are, made when it is new.
    private mutating func position(of keys: [RouterKeyStats], _ index: Int) -> Int {
        let number = keys[index].number
        if number >= 0 {
            let keyNumbering = keys[index].numbering
            if numbering == nil { numbering = keyNumbering }
            if numbering == keyNumbering {
                let slot = Int(number)
                if slot < byNumber.count, byNumber[slot] >= 0 { return Int(byNumber[slot]) }
                let position = named(HashedKey(keys[index]))
                if slot >= byNumber.count { byNumber.append(contentsOf: repeatElement(-1, count: slot + 1 - byNumber.count)) }
                byNumber[slot] = Int32(clamping: position)
                return position
            }
        }
        return named(HashedKey(keys[index]))
    }

    /// The position of the key `name`, made when it is new.
    private mutating func named(_ name: HashedKey) -> Int {
        if let found = byName[name] { return found }
        let position = counts.count
        byName[name] = position
        names.append(name.key)
        counts.append(Counts())
        return position
    }

    /// One aggregate per key added, in key order.
    var aggregates: [KeyAggregate] {
        var result: [KeyAggregate] = []
        result.reserveCapacity(counts.count)
        for position in counts.indices {
            let counts = self.counts[position]
            var aggregate = KeyAggregate(key: names[position])
            aggregate.routers = counts.routers
            aggregate.okRouters = counts.okRouters
            aggregate.troubledRouters = counts.troubledRouters
            aggregate.goneRouters = counts.goneRouters
            aggregate.nodesByState = counts.tally.dictionary
            aggregate.requests = counts.requests
            aggregate.failures = counts.failures
            aggregate.requestsPerSecond = counts.requestsPerSecond
            result.append(aggregate)
        }
        result.sort { $0.key < $1.key }
        return result
    }
}
