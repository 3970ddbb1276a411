import FleetModel
import TUICore

/// Where each part of the screen goes at a given size: header, body, action log, status line,
/// function bar, and the panes inside the body. Shared by the screens and by the reducer (page
/// sizes), so paging moves exactly one visible page.
public struct DashboardLayout: Sendable, Hashable {
    /// The smallest terminal the dashboard draws in; below it, a message says so.
    public static let minimumSize = Size(width: 60, height: 15)
    /// Rows of the action-log panel (its title line plus entries).
    public static let logHeight = 6

    /// True below `minimumSize`.
    public var isTooSmall: Bool
    /// The top line.
    public var header: Rect
    /// Everything between the header and the bottom lines.
    public var body: Rect
    /// The action-log panel (empty when hidden).
    public var log: Rect
    /// The status line (second to last row).
    public var status: Rect
    /// The function bar (last row).
    public var functionBar: Rect
    /// Router and Connections screens: the summary lines above the tables.
    public var summary: Rect
    /// Router screen: the key list.
    public var keys: Rect
    /// Router screen: the node list; Connections screen: the session list; Fleet: the table.
    public var table: Rect
    /// Router screen of a TLS router: its listeners and SNI contexts, below the nodes (empty otherwise).
    public var tls: Rect

    /// The layout for `state` drawn at `size` (the state's size by default).
    public init(state: DashboardState, size: Size? = nil) {
        let size = size ?? state.size
        let area = Rect(size: size)
        isTooSmall = size.width < Self.minimumSize.width || size.height < Self.minimumSize.height
        header = area.row(0)
        functionBar = area.row(size.height - 1)
        status = area.row(size.height - 2)
        var middle = Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 3))
        if state.showsLog && middle.height - Self.logHeight >= 8 {
            log = Rect(x: 0, y: middle.maxY - Self.logHeight, width: size.width, height: Self.logHeight)
            middle.height -= Self.logHeight
        } else {
            log = Rect(x: 0, y: middle.maxY, width: size.width, height: 0)
        }
        body = middle
        tls = Rect(x: 0, y: middle.maxY, width: size.width, height: 0)
        switch state.screen.kind {
        case .fleet:
            summary = Rect(x: 0, y: body.y, width: body.width, height: 0)
            keys = summary
            table = body
        case .router:
            summary = Rect(x: 0, y: body.y, width: body.width, height: min(2, body.height))
            let rest = body.height - summary.height
            let wanted = RouterScreen.listedRuleCount(state.currentRouter?.latest) ?? state.keyRows.count + 1
            let keyHeight = max(2, min(wanted, max(3, rest / 3)))
            keys = Rect(x: 0, y: summary.maxY, width: body.width, height: min(keyHeight, rest))
            // One blank row between the lists keeps their header rows apart.
            var below = max(0, rest - keys.height - 1)
            // A TLS router's listeners and SNI contexts take the bottom, while the nodes keep
            // a header and two rows at least.
            if let wantedTLS = RouterScreen.listedTLSCount(state.currentRouter?.latest), below >= 7 {
                let tlsHeight = min(wantedTLS, max(3, rest / 3), below - 4)
                tls = Rect(x: 0, y: keys.maxY + 1 + below - tlsHeight, width: body.width, height: tlsHeight)
                below -= tlsHeight + 1
            }
            table = Rect(x: 0, y: keys.maxY + 1, width: body.width, height: below)
        case .keys, .key:
            // The key view: a title line; a key's drill-down: its title and its totals.
            let lines = state.screen.kind == .keys ? 1 : 2
            summary = Rect(x: 0, y: body.y, width: body.width, height: min(lines, body.height))
            keys = Rect(x: 0, y: summary.maxY, width: body.width, height: 0)
            table = Rect(x: 0, y: summary.maxY, width: body.width, height: max(0, body.height - summary.height))
        case .connections:
            summary = Rect(x: 0, y: body.y, width: body.width, height: min(1, body.height))
            keys = Rect(x: 0, y: summary.maxY, width: body.width, height: 0)
            table = Rect(x: 0, y: summary.maxY, width: body.width, height: max(0, body.height - 1))
        }
    }

    /// Data rows visible in the Fleet table.
    public var fleetRows: Int { max(0, table.height - 1) }
    /// Data rows visible in the key list.
    public var keyRows: Int { max(0, keys.height - 1) }
    /// Data rows visible in the node list.
    public var nodeRows: Int { max(0, table.height - 1) }
    /// Data rows visible in the key view or a key's drill-down.
    public var keyViewRows: Int { max(0, table.height - 1) }
    /// Data rows visible in the session list.
    public var sessionRows: Int { max(0, table.height - 1) }
}
