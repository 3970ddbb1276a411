import FleetModel
import RouterWire
import TUICore
import Testing
@testable import Dashboard

/// The Fleet table measures its columns without building their text; the measures must be the
/// widths of the text drawn.
struct FleetWidthTests {
    static let counts: [[NodeDisplayState: Int]] = [
        [:],
        [.ready: 5],
        [.ready: 12, .draining: 1, .drained: 9, .dead: 3, .expired: 100],
        [.ready: Int.max, .dead: 0],
        [.ready: -4],
        [.ready: 1_000_000, .draining: 99_999, .expired: 10],
    ]

    @Test("a node-count cell's measured width is its text's", arguments: [0, 1])
    func nodeCounts(glyphSet: Int) {
        let glyphs = glyphSet == 0 ? Glyphs.unicode : Glyphs.plain
        for counts in Self.counts {
            #expect(glyphs.nodeCountsWidth(counts) == DisplayWidth.of(glyphs.nodeCounts(counts)), "\(counts)")
        }
    }

    @Test("a cheap cell's measured width is its text's")
    func cheap() {
        let modes: [StatsDocument.CheapMode?] = [nil] + StatsDocument.CheapMode.allCases.map(Optional.some)
        for cheap in [nil, 0, 1, 7] as [UInt64?] {
            for mode in modes {
                let text = FleetScreen.cheapText(cheap: cheap, mode: mode)
                #expect(FleetScreen.cheapWidth(cheap: cheap, mode: mode) == DisplayWidth.of(text), "\(String(describing: cheap)) \(String(describing: mode))")
            }
        }
    }
}
