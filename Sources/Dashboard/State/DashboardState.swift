import FleetModel
import TUICore

/// Everything the dashboard shows, as one value: the reducer changes it, the screens draw it.
public struct DashboardState: Sendable, Hashable {
    /// Settings fixed at start-up.
    public struct Options: Sendable, Hashable {
        /// `--readonly`: every edit is shown unavailable and nothing is sent.
        public var readOnly: Bool
        /// Draw ASCII instead of `✓⇣✗`, block sparklines and box lines (non-UTF-8 terminals).
        public var ascii: Bool
        /// Seconds east of UTC for the header clock (the executable passes the local offset).
        public var utcOffset: Int
        /// Lines the help overlay opens with (the demo fleet's things to try); none by default.
        public var tips: [String]

        /// Creates options.
        public init(readOnly: Bool = false, ascii: Bool = false, utcOffset: Int = 0, tips: [String] = []) {
            self.readOnly = readOnly
            self.ascii = ascii
            self.utcOffset = utcOffset
            self.tips = tips
        }
    }

    /// Whether the action-log panel shows.
    public enum LogVisibility: Sendable, Hashable {
        /// Shown when the terminal has rows to spare (40 or more).
        case auto
        /// Always shown.
        case shown
        /// Never shown.
        case hidden
    }

    /// Start-up settings.
    public var options: Options
    /// The fleet as last polled.
    public var snapshot: FleetSnapshot
    /// "Now" for ages and staleness, moved by `tick` events.
    public var now: FleetInstant
    /// The terminal size.
    public var size: Size
    /// The screen stack; never empty, `.fleet` at the bottom.
    public private(set) var screens: [DashboardScreen] = [.fleet]

    /// Selection in the Fleet table.
    public var fleetTable = TableState(selected: 0)
    /// Sort of the Fleet table.
    public var fleetSort = TableSort(RouterColumn.name)
    /// Filter of the Fleet table.
    public var fleetFilter = TextFilter("")
    /// How the Fleet table groups its routers.
    public var fleetGrouping = FleetGrouping.none
    /// Groups of the Fleet table folded under their header (by name; cleared when the grouping changes).
    public var collapsedGroups: Set<String> = []
    /// Selection in the key view.
    public var fleetKeyTable = TableState(selected: 0)
    /// Sort of the key view.
    public var fleetKeySort = TableSort(KeyAggregateColumn.key)
    /// Filter of the key view.
    public var fleetKeyFilter = TextFilter("")
    /// Selection in one key's drill-down.
    public var keyNodeTable = TableState(selected: 0)
    /// Sort of one key's drill-down.
    public var keyNodeSort = TableSort(KeyNodeColumn.router)
    /// Filter of one key's drill-down.
    public var keyNodeFilter = TextFilter("")
    /// Which Router-screen list has the selection.
    public var routerPane = RouterPane.nodes
    /// Selection in the Router screen's key list.
    public var keyTable = TableState(selected: 0)
    /// Sort of the key list.
    public var keySort = TableSort(SlotColumn.key)
    /// Selection in the Router screen's node list.
    public var nodeTable = TableState(selected: 0)
    /// Sort of the node list.
    public var nodeSort = TableSort(NodeColumn.name)
    /// Filter of the node list.
    public var nodeFilter = TextFilter("")
    /// Selection in the Connections table.
    public var sessionTable = TableState(selected: 0)
    /// Sort of the Connections table.
    public var sessionSort = TableSort(SessionColumn.age, .descending)
    /// Filter of the Connections table.
    public var sessionFilter = TextFilter("")

    /// Polling paused: snapshots are ignored until resumed (or `r`).
    public var paused = false
    /// Set by `r` while paused: the next snapshot is taken anyway.
    public var refreshRequested = false
    /// The themes `t` cycles through.
    public var themes: [Theme]
    /// Index into `themes` of the current theme.
    public var themeIndex: Int
    /// The open modal, if any.
    public var modal: DashboardModal?
    /// Admin addresses learned from stats that the operator confirmed (the control was told too).
    public var trustedAdminAddresses: Set<LearnedAdminAddress> = []
    /// Edits sent and their replies.
    public var actionLog = ActionLog()
    /// Whether the action log panel shows.
    public var logVisibility = LogVisibility.auto
    /// The status-line message.
    public var status: StatusMessage?
    /// The keymap (the one table behind keys, help and function bar).
    public var keymap = Keymap.standard
    // Rows derived from the snapshot, remembered by their inputs; not part of equality.
    let rowCache = RowCacheBox()

    /// Creates the state the executable starts with.
    ///
    /// - Parameters:
    ///   - snapshot: the fleet before any poll (`FleetSnapshot(endpoints:configuration:)`).
    ///   - size: the terminal's size.
    ///   - now: the current time (`SystemFleetClock().now()`).
    ///   - themes: `ThemeCatalog.themes`; `themeIndex` its `initialIndex`.
    public init(snapshot: FleetSnapshot, size: Size, now: FleetInstant, options: Options = Options(),
                themes: [Theme] = BuiltinThemes.all, themeIndex: Int = 0) {
        self.snapshot = snapshot
        self.size = size
        self.now = now
        self.options = options
        self.themes = themes.isEmpty ? [BuiltinThemes.standard] : themes
        self.themeIndex = min(max(0, themeIndex), self.themes.count - 1)
    }

    /// The current theme.
    public var theme: Theme { themes[themeIndex] }

    /// The screen on top of the stack.
    public var screen: DashboardScreen { screens.last ?? .fleet }

    /// The key the current screen (or the nearest one below it) drills into, if any.
    public var drilledKey: String? {
        for screen in screens.reversed() { if case let .key(key) = screen { return key } }
        return nil
    }

    /// The router entry the current screen is about, if any.
    public var currentRouter: RouterEntry? { screen.router.flatMap { snapshot[$0] } }

    /// Opens `screen` on top of the stack.
    public mutating func push(_ screen: DashboardScreen) { screens.append(screen) }

    /// Goes back one screen; the Fleet screen stays.
    public mutating func pop() {
        if screens.count > 1 { screens.removeLast() }
    }

    /// Whether the action-log panel is drawn at the current size.
    public var showsLog: Bool {
        switch logVisibility {
        case .auto: return size.height >= 40
        case .shown: return true
        case .hidden: return false
        }
    }

    /// The filter of the current screen.
    public var currentFilter: TextFilter {
        get {
            switch screen.kind {
            case .fleet: return fleetFilter
            case .router: return nodeFilter
            case .connections: return sessionFilter
            case .keys: return fleetKeyFilter
            case .key: return keyNodeFilter
            }
        }
        set {
            switch screen.kind {
            case .fleet: fleetFilter = newValue
            case .router: nodeFilter = newValue
            case .connections: sessionFilter = newValue
            case .keys: fleetKeyFilter = newValue
            case .key: keyNodeFilter = newValue
            }
        }
    }

    /// Posts a status-line message at the current time.
    public mutating func post(_ text: String, isError: Bool = false) {
        status = StatusMessage(text, isError: isError, at: now)
    }
}
