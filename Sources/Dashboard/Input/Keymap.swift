import TUICore

/// One entry of the keymap: the keys, the action, and how help and the function bar show it.
public struct KeyBinding: Sendable, Hashable {
    /// The keys that trigger the action; the first is the one shown in help.
    public var keys: [Key]
    /// What they do.
    public var action: DashboardAction
    /// A short label for the function bar (`Help`, `Drain`).
    public var label: String
    /// One line of help.
    public var help: String
    /// Screens on which the binding applies.
    public var screens: Set<ScreenKind>
    /// True when the action changes a router (disabled under `--readonly`, confirmed or prompted).
    public var edits: Bool
    /// Whether the function bar shows it.
    public var inFunctionBar: Bool

    /// Creates a binding.
    public init(_ keys: [Key], _ action: DashboardAction, label: String, help: String,
                screens: Set<ScreenKind> = Set(ScreenKind.allCases), edits: Bool = false, inFunctionBar: Bool = false) {
        self.keys = keys
        self.action = action
        self.label = label
        self.help = help
        self.screens = screens
        self.edits = edits
        self.inFunctionBar = inFunctionBar
    }

    /// The keys as help shows them: `q F10`, `↑ k`.
    public var keyLabels: String { keys.map(\.label).joined(separator: " ") }

    /// The F-key number of the binding, if it has one.
    public var functionNumber: Int? {
        for key in keys { if case let .function(number) = key { return number } }
        return nil
    }

    /// The key the function bar shows: the F-key if there is one, else the first key.
    public var barKey: String { functionNumber.map { "F\($0)" } ?? keys.first?.label ?? "" }
}

/// The one key table (htop's habit): the reducer looks keys up here, and the help overlay and
/// the function bar are generated from it, so they cannot disagree.
public struct Keymap: Sendable, Hashable {
    /// The bindings in help order.
    public var bindings: [KeyBinding]

    /// Creates a keymap.
    public init(_ bindings: [KeyBinding]) { self.bindings = bindings }

    /// The binding for `key` on `screen`, if any.
    public func binding(for key: Key, on screen: ScreenKind) -> KeyBinding? {
        bindings.first { $0.screens.contains(screen) && $0.keys.contains(key) }
    }

    /// The function bar's entries for `screen`: F-key bindings by number (htop's F1…F10),
    /// then letter-key ones in keymap order (the first to go when the bar is too narrow).
    public func functionBar(for screen: ScreenKind) -> [KeyBinding] {
        let shown = bindings.filter { $0.inFunctionBar && $0.screens.contains(screen) }
        let withF = shown.compactMap { binding in binding.functionNumber.map { ($0, binding) } }
            .sorted { $0.0 < $1.0 }.map(\.1)
        return withF + shown.filter { $0.functionNumber == nil }
    }

    /// The dashboard's keymap.
    public static let standard = Keymap([
        KeyBinding([.up, .char("k")], .moveUp, label: "Up", help: "select the previous row"),
        KeyBinding([.down, .char("j")], .moveDown, label: "Down", help: "select the next row"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, label: "PgUp", help: "move a page up"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, label: "PgDn", help: "move a page down"),
        KeyBinding([.home, .char("g")], .home, label: "Home", help: "select the first row"),
        KeyBinding([.end, .char("G")], .end, label: "End", help: "select the last row"),
        KeyBinding([.enter, .right], .drillIn, label: "Open", help: "open the router, then its connections",
                   screens: [.fleet, .router]),
        KeyBinding([.escape, .left, .backspace], .back, label: "Back", help: "clear the filter, or go back a screen"),
        KeyBinding([.tab, .backTab], .switchPane, label: "Pane", help: "switch between the key list and the node list",
                   screens: [.router]),
        KeyBinding([.char("/"), .function(4)], .filter, label: "Filter", help: "filter rows by text (Enter keeps, Esc clears)",
                   inFunctionBar: true),
        KeyBinding([.char("s")], .sortReverse, label: "Rev", help: "reverse the sort order"),
        KeyBinding([.char("<")], .sortPrevious, label: "Sort<", help: "sort by the previous column"),
        KeyBinding([.char(">"), .function(6)], .sortNext, label: "Sort", help: "sort by the next column", inFunctionBar: true),
        KeyBinding([.char("d"), .function(8)], .drain, label: "Drain", help: "drain the node: no new sessions (confirm)",
                   screens: [.router], edits: true, inFunctionBar: true),
        KeyBinding([.char("u")], .undrain, label: "Undrain", help: "undrain the node", screens: [.router], edits: true),
        KeyBinding([.char("w"), .function(7)], .weight, label: "Weight", help: "set the node's weight (prompt)",
                   screens: [.router], edits: true, inFunctionBar: true),
        KeyBinding([.char("x"), .function(9)], .kick, label: "Kick", help: "kick the node from its key (confirm)",
                   screens: [.router], edits: true, inFunctionBar: true),
        KeyBinding([.char("c")], .cheap, label: "Cheap", help: "cycle the router's cheap mode auto→on→off (confirm)",
                   screens: [.fleet, .router], edits: true, inFunctionBar: true),
        KeyBinding([.char("D")], .drainEverywhere, label: "DrainAll",
                   help: "drain this node address on every router of the fleet (confirm)", screens: [.router], edits: true),
        KeyBinding([.char("p"), .char(" ")], .pause, label: "Pause", help: "pause or resume polling", inFunctionBar: true),
        KeyBinding([.char("r"), .function(5)], .refresh, label: "Refresh", help: "poll every router now", inFunctionBar: true),
        KeyBinding([.char("t"), .function(2)], .nextTheme, label: "Theme", help: "switch to the next theme", inFunctionBar: true),
        KeyBinding([.char("l")], .toggleLog, label: "Log", help: "show or hide the action log"),
        KeyBinding([.char("?"), .function(1), .char("h")], .help, label: "Help", help: "show this help", inFunctionBar: true),
        KeyBinding([.char("q"), .function(10), .ctrl("c")], .quit, label: "Quit", help: "quit", inFunctionBar: true),
    ])
}
