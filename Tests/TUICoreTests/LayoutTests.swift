import Testing
import TUICore

@Suite struct LayoutTests {
    @Test func verticalSplitWithHeaderBodyFooter() {
        let parts = Rect(x: 0, y: 0, width: 80, height: 24).split(.vertical, [.fixed(1), .fill, .fixed(1)])
        #expect(parts == [Rect(x: 0, y: 0, width: 80, height: 1), Rect(x: 0, y: 1, width: 80, height: 22),
                          Rect(x: 0, y: 23, width: 80, height: 1)])
    }

    @Test func percentAndWeightedFillsShareTheRest() {
        let parts = Rect(x: 5, y: 2, width: 100, height: 3).split(.horizontal, [.percent(20), .fill(1), .fill(3)])
        #expect(parts.map(\.width) == [20, 20, 60])
        #expect(parts.map(\.x) == [5, 25, 45])
    }

    @Test func roundingLeftoversGoToEarlierFills() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 1).split(.horizontal, [.fill, .fill, .fill])
        #expect(parts.map(\.width) == [4, 3, 3])
    }

    @Test func spacingSitsBetweenParts() {
        let parts = Rect(x: 0, y: 0, width: 11, height: 1).split(.horizontal, [.fixed(3), .fill], spacing: 2)
        #expect(parts.map(\.x) == [0, 5])
        #expect(parts.map(\.width) == [3, 6])
    }

    @Test func tooSmallAreasShrinkTheLastPartsFirst() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 3).split(.vertical, [.fixed(2), .fixed(2), .fill])
        #expect(parts.map(\.height) == [2, 1, 0])
        #expect(Rect(x: 0, y: 0, width: 0, height: 0).split(.vertical, [.fixed(1), .percent(50)]).allSatisfy { $0.isEmpty })
        #expect(Rect(x: 0, y: 0, width: 4, height: 4).split(.vertical, []).isEmpty)
    }

    @Test func rectHelpers() {
        let area = Rect(x: 0, y: 0, width: 80, height: 24)
        #expect(area.centered(width: 40, height: 10) == Rect(x: 20, y: 7, width: 40, height: 10))
        #expect(area.centered(width: 100, height: 30) == area)
        #expect(area.inset(by: 1) == Rect(x: 1, y: 1, width: 78, height: 22))
        #expect(Rect(x: 0, y: 0, width: 1, height: 1).inset(by: 1).isEmpty)
        #expect(area.intersection(Rect(x: 70, y: 20, width: 20, height: 20)) == Rect(x: 70, y: 20, width: 10, height: 4))
        #expect(area.row(30).isEmpty)
    }
}
