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
    /// Screens on which the binding applies (empty for a modal's bindings).
    public var screens: Set<ScreenKind>
    /// True when the action changes a router (disabled under `--readonly`, confirmed or prompted).
    public var edits: Bool
    /// Whether the function bar shows it.
    public var inFunctionBar: Bool
    /// The modal the binding applies in; nil for the screens (then `screens` says which).
    public var modal: ModalKind?

    /// Creates a binding.
    public init(_ keys: [Key], _ action: DashboardAction, label: String, help: String,
                screens: Set<ScreenKind> = Set(ScreenKind.allCases), edits: Bool = false, inFunctionBar: Bool = false,
                modal: ModalKind? = nil) {
        self.keys = keys
        self.action = action
        self.label = label
        self.help = help
        self.screens = modal == nil ? screens : []
        self.edits = edits
        self.inFunctionBar = modal == nil && inFunctionBar
        self.modal = modal
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

    /// The binding for `key` on `screen` (no modal open), if any.
    public func binding(for key: Key, on screen: ScreenKind) -> KeyBinding? {
        bindings.first { $0.modal == nil && $0.screens.contains(screen) && $0.keys.contains(key) }
    }

    /// The binding for `key` while a `modal` is open, if any; modals take every key, so an
    /// unbound one is typed (prompts) or ignored (dialogs), never passed to the screen.
    public func binding(for key: Key, in modal: ModalKind) -> KeyBinding? {
        bindings.first { $0.modal == modal && $0.keys.contains(key) }
    }

    /// The bindings of the screens (no modal open), in help order.
    public var screenBindings: [KeyBinding] { bindings.filter { $0.modal == nil } }

    /// The bindings that apply while `modal` is open, in help order.
    public func bindings(in modal: ModalKind) -> [KeyBinding] { bindings.filter { $0.modal == modal } }

    /// `y confirm · n cancel · …`: the first key and label of each binding of `modal`, for a
    /// hint line inside the modal.
    public func hint(for modal: ModalKind) -> String {
        bindings(in: modal).map { "\($0.keys.first?.label ?? "") \($0.label)" }.joined(separator: " · ")
    }

    /// The function bar's entries for `screen`: F-key bindings by number (htop's F1…F10),
    /// then letter-key ones in keymap order (the first to go when the bar is too narrow).
    public func functionBar(for screen: ScreenKind) -> [KeyBinding] {
        let shown = bindings.filter { $0.modal == nil && $0.inFunctionBar && $0.screens.contains(screen) }
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
        KeyBinding([.enter, .right], .drillIn, label: "Open",
                   help: "open the router, then its connections; open a key, then a router serving it; fold a group",
                   screens: [.fleet, .router, .keys, .key]),
        KeyBinding([.escape, .left, .backspace], .back, label: "Back", help: "clear the filter, or go back a screen"),
        KeyBinding([.tab, .backTab], .switchPane, label: "Pane", help: "switch between the key list and the node list",
                   screens: [.router]),
        KeyBinding([.char("/"), .function(4)], .filter, label: "Filter", help: "filter rows: words and field:pattern terms (kind:http host:web-*)",
                   inFunctionBar: true),
        KeyBinding([.char("s")], .sortReverse, label: "Rev", help: "reverse the sort order"),
        KeyBinding([.char("<")], .sortPrevious, label: "Sort<", help: "sort by the previous column"),
        KeyBinding([.char(">"), .function(6)], .sortNext, label: "Sort", help: "sort by the next column", inFunctionBar: true),
        KeyBinding([.char("K"), .function(3)], .keyView, label: "Keys",
                   help: "fleet-wide keys: routers, nodes and requests per key (Enter: its routers and nodes)",
                   screens: [.fleet], inFunctionBar: true),
        KeyBinding([.char("b")], .groupBy, label: "Group",
                   help: "group the routers: none, by host, by key (Enter on a header folds it)",
                   screens: [.fleet], inFunctionBar: true),
        KeyBinding([.char("d"), .function(8)], .drain, label: "Drain", help: "drain the node: no new sessions (confirm)",
                   screens: [.router], edits: true, inFunctionBar: true),
        KeyBinding([.char("u")], .undrain, label: "Undrain", help: "undrain the node", screens: [.router], edits: true),
        KeyBinding([.char("w"), .function(7)], .weight, label: "Weight", help: "set the node's weight (prompt)",
                   screens: [.router], edits: true, inFunctionBar: true),
        KeyBinding([.char("x"), .function(9)], .kick, label: "Kick",
                   help: "kick the node from its key, or close the selected pty session of a forkpty router (confirm)",
                   screens: [.router, .connections], edits: true, inFunctionBar: true),
        KeyBinding([.char("c")], .cheap, label: "Cheap", help: "cycle the router's cheap mode auto→on→off (confirm)",
                   screens: [.fleet, .router], edits: true, inFunctionBar: true),
        KeyBinding([.char("D")], .drainEverywhere, label: "DrainAll",
                   help: "drain this node address on every router of the fleet (confirm)", screens: [.router], edits: true),
        KeyBinding([.char("p"), .char(" ")], .pause, label: "Pause", help: "pause or resume polling", inFunctionBar: true),
        KeyBinding([.char("r"), .function(5)], .refresh, label: "Refresh", help: "poll every router now", inFunctionBar: true),
        KeyBinding([.char("t"), .function(2)], .nextTheme, label: "Theme", help: "switch to the next theme", inFunctionBar: true),
        KeyBinding([.char("l")], .toggleLog, label: "Log", help: "show or hide the action log"),
        KeyBinding([.char("?"), .function(1), .char("h")], .help, label: "Help", help: "show this help", inFunctionBar: true),
        KeyBinding([.char("I")], .intents, label: "Intents", help: "list the fleet-wide intents of the registry (--registry)"),
        KeyBinding([.char("q"), .function(10), .ctrl("c")], .quit, label: "Quit", help: "quit", inFunctionBar: true),

        // A confirmation dialog takes every key. Enter presses the focused button, which is No
        // for edits that stop or divert traffic and for sending the token to an admin address
        // learned from stats, so only `y` or a deliberate move to Yes sends them.
        KeyBinding([.char("y"), .char("Y")], .confirm, label: "confirm", help: "send the edit the dialog describes",
                   modal: .confirm),
        KeyBinding([.char("n"), .char("N"), .escape, .char("q")], .cancel, label: "cancel",
                   help: "close the dialog; nothing is sent", modal: .confirm),
        KeyBinding([.enter], .activate, label: "press focused",
                   help: "press the focused button (No for traffic-stopping edits and learned admin addresses)", modal: .confirm),
        KeyBinding([.tab, .backTab, .left, .right], .switchButton, label: "move focus",
                   help: "move the focus between Yes and No", modal: .confirm),

        KeyBinding([.enter], .accept, label: "accept", help: "set the weight, or keep the filter", modal: .prompt),
        KeyBinding([.escape], .cancel, label: "cancel", help: "close unchanged (the filter line clears the filter)",
                   modal: .prompt),

        KeyBinding([.up, .char("k")], .moveUp, label: "Up", help: "scroll up a line", modal: .help),
        KeyBinding([.down, .char("j")], .moveDown, label: "Down", help: "scroll down a line", modal: .help),
        KeyBinding([.pageUp], .pageUp, label: "PgUp", help: "scroll up a page", modal: .help),
        KeyBinding([.pageDown, .char(" ")], .pageDown, label: "PgDn", help: "scroll down a page", modal: .help),
        KeyBinding([.escape, .char("q")], .back, label: "Close", help: "close help (so does any other key)", modal: .help),
    ])
}
