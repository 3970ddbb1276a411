import TUICore

/// The dashboard's frame: a pure function of the state drawn into a buffer.
public enum DashboardView {
    /// Draws `state` into `buffer` (at the buffer's size) with the state's theme; returns where
    /// the terminal cursor belongs (a text field being edited) or nil to hide it.
    ///
    /// Use as `terminal.draw { DashboardView.render(state, into: &$0) }`.
    @discardableResult
    public static func render(_ state: DashboardState, into buffer: inout Buffer) -> Point? {
        buffer.palette = state.theme.palette
        let layout = DashboardLayout(state: state, size: buffer.size)
        if layout.isTooSmall {
            Overlays.tooSmall(size: buffer.size, buffer: &buffer)
            return nil
        }
        Chrome.header(state, area: layout.header, buffer: &buffer)
        switch state.screen.kind {
        case .fleet: FleetScreen.render(state, layout: layout, buffer: &buffer)
        case .router: RouterScreen.render(state, layout: layout, buffer: &buffer)
        case .connections: ConnectionsScreen.render(state, layout: layout, buffer: &buffer)
        case .keys: KeysScreen.render(state, layout: layout, buffer: &buffer)
        case .key: KeysScreen.renderKey(state, layout: layout, buffer: &buffer)
        }
        Chrome.actionLog(state, area: layout.log, buffer: &buffer)
        var cursor = Chrome.status(state, area: layout.status, buffer: &buffer)
        Chrome.functionBar(state, area: layout.functionBar, buffer: &buffer)
        switch state.modal {
        case let .help(offset)?: Overlays.help(state, offset: offset, area: layout.body, buffer: &buffer)
        case let .intents(offset)?: Overlays.intents(state, offset: offset, area: layout.body, buffer: &buffer)
        case let .confirm(request)?: Overlays.confirm(request, keymap: state.keymap, area: layout.body, buffer: &buffer)
        case let .weightPrompt(prompt)?: cursor = Overlays.weight(prompt, area: layout.body, buffer: &buffer)
        case .filter?, nil: break
        }
        return cursor
    }
}
