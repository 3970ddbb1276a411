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
    /// Leave the dashboard.
    case quit
}

/// The kind of screen, for saying where a key binding applies.
public enum ScreenKind: String, Sendable, Hashable, CaseIterable {
    /// One row per router.
    case fleet
    /// One router's keys and nodes.
    case router
    /// One router's live sessions.
    case connections
}
