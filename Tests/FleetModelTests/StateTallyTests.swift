import Testing
@testable import FleetModel

/// The per-key values derived when a Fleet row is built (its tally and its name's hash) stay
/// those of the key's current fields, and adding tallies is adding dictionaries.
struct StateTallyTests {
    static let samples: [[NodeDisplayState: Int]] = [
        [:], [.ready: 3], [.ready: 1, .draining: 2, .drained: 3, .dead: 4, .expired: 5], [.expired: 7, .ready: 0],
    ]

    @Test("a tally gives back the dictionary it was made from, states with none left out")
    func roundTrip() {
        for states in Self.samples {
            #expect(StateTally(states).dictionary == states.filter { $0.value != 0 }, "\(states)")
        }
    }

    @Test("adding tallies is adding their dictionaries state by state")
    func adding() {
        var tally = StateTally()
        var expected: [NodeDisplayState: Int] = [:]
        for states in Self.samples + Self.samples {
            tally.add(StateTally(states))
            for (state, count) in states { expected[state, default: 0] += count }
        }
        #expect(tally.dictionary == expected.filter { $0.value != 0 })
    }

    @Test("a key's tally and hash follow its nodes and name when they are changed")
    func derivedFollowFields() {
        var stats = RouterKeyStats(key: "app.local", nodesByState: [.ready: 2])
        #expect(stats.tally == StateTally([.ready: 2]))
        #expect(HashedKey(stats) == HashedKey("app.local"))
        stats.nodesByState = [.ready: 1, .expired: 1]
        #expect(stats.tally == StateTally([.ready: 1, .expired: 1]))
        stats.key = "api.local"
        #expect(HashedKey(stats) == HashedKey("api.local"))
        #expect(HashedKey(stats) != HashedKey("app.local"))
    }
}
