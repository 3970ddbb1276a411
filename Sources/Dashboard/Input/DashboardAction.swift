/// Something the user can ask for; keys map to actions through the one `Keymap`.
public enum DashboardAction: String, Sendable, Hashable, CaseIterable {
    /// Select the previous row.
    case moveUp
    /// Select the next row.
    case moveDown
    /// Move a page up.
    case pageUp
    /// Move a page down.
    case pageDown
    /// Select the first row.
    case home
    /// Select the last row.
    case end
    /// Open the selected router, or the router's connections.
    case drillIn
    /// Go back a screen (or clear the filter first).
    case back
    /// Switch between the key list and the node list of the Router screen.
    case switchPane
    /// Cycle the Fleet screen's grouping: none, by host, by key.
    case groupBy
    /// Open the fleet-wide key view.
    case keyView
    /// Open the filter line.
    case filter
    /// Reverse the sort direction.
    case sortReverse
    /// Sort by the previous column.
    case sortPrevious
    /// Sort by the next column.
    case sortNext
    /// Drain the selected node.
    case drain
    /// Undrain the selected node.
    case undrain
    /// Set the selected node's weight.
    case weight
    /// Kick the selected node.
    case kick
    /// Change the router's cheap mode.
    case cheap
    /// Drain the selected node's address on every router.
    case drainEverywhere
    /// Pause or resume polling.
    case pause
    /// Poll now.
    case refresh
    /// Switch to the next theme.
    case nextTheme
    /// Show or hide the action log.
    case toggleLog
    /// Show the help overlay.
    case help
    /// Show the fleet-wide intents of the registry.
    case intents
    /// Leave the dashboard.
    case quit
    /// Confirmation dialog: send the edit it describes.
    case confirm
    /// Dialog or prompt: close it without sending anything.
    case cancel
    /// Confirmation dialog: press the focused button.
    case activate
    /// Confirmation dialog: move the focus between Yes and No.
    case switchButton
    /// Weight prompt or filter line: take what was typed.
    case accept
}

/// The kind of screen, for saying where a key binding applies.
public enum ScreenKind: String, Sendable, Hashable, CaseIterable {
    /// One row per router.
    case fleet
    /// One router's keys and nodes.
    case router
    /// One router's live sessions.
    case connections
    /// The fleet-wide keys.
    case keys
    /// One key across the fleet.
    case key
}

/// The kind of modal, for saying which key bindings apply while one is open.
public enum ModalKind: String, Sendable, Hashable, CaseIterable {
    /// A confirmation dialog (Yes / No).
    case confirm
    /// The weight prompt or the filter line: keys are typed, except the bound ones.
    case prompt
    /// The help overlay.
    case help

    /// How help titles the bindings of this modal.
    public var title: String {
        switch self {
        case .confirm: return "In a confirmation dialog:"
        case .prompt: return "In the weight prompt and the filter line:"
        case .help: return "In this help:"
        }
    }
}
