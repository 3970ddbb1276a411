import FleetModel
import TUICore

/// What is drawn over the screens: help, confirmation, weight prompt, and the too-small notice.
enum Overlays {
    /// The help lines: the tips (if any), one line per screen binding of the keymap, the
    /// bindings of each modal under its title, then the legend.
    static func helpLines(_ state: DashboardState) -> [String] {
        let glyphs = Glyphs.forState(state)
        var lines: [String] = []
        if !state.options.tips.isEmpty {
            lines += state.options.tips
            lines.append("")
        }
        func line(_ binding: KeyBinding) -> String {
            Truncation.fit(binding.keyLabels, toWidth: 14) + " " + binding.help
        }
        for binding in state.keymap.screenBindings {
            var text = line(binding)
            if binding.screens.count < ScreenKind.allCases.count {
                text += " [" + ScreenKind.allCases.filter(binding.screens.contains).map(\.rawValue).joined(separator: ", ") + "]"
            }
            if binding.edits && state.options.readOnly { text += " (disabled: --readonly)" }
            lines.append(text)
        }
        for modal in ModalKind.allCases {
            let bindings = state.keymap.bindings(in: modal)
            guard !bindings.isEmpty else { continue }
            lines.append("")
            lines.append(modal.title)
            lines += bindings.map(line)
        }
        lines.append("")
        lines.append("Nodes: \(glyphs.ready) ready  \(glyphs.drained) draining/drained  \(glyphs.dead) dead/expired?")
        lines.append("Kind*: a real uWSGI router (edits via subscription packets; some are temporary)")
        return lines
    }

    static func help(_ state: DashboardState, offset: Int, area: Rect, buffer: inout Buffer) {
        textBox(title: "Help — any key closes", lines: helpLines(state), state: state, offset: offset, area: area, buffer: &buffer)
    }

    /// The fleet intents: one line each with its name, revision, time and summary (author and
    /// reason included), or why there are none.
    static func intentLines(_ state: DashboardState) -> [String] {
        guard let intents = state.snapshot.intents else {
            return ["No fleet registry: start fleettop with --registry etcd://HOST:PORT/PREFIX", "to see the fleet-wide intents."]
        }
        guard !intents.isEmpty else { return ["No fleet-wide intents in the registry."] }
        var lines: [String] = []
        for intent in intents {
            let age = Format.age(max(0, state.now.secondsSinceEpoch - intent.time))
            lines.append("\(intent.name)  rev \(intent.revision)  \(age) ago")
            lines.append("  \(intent.summary)")
        }
        lines.append("")
        lines.append("fleettop intent clear NAME --revision REV --registry … undoes one everywhere.")
        return lines
    }

    static func intents(_ state: DashboardState, offset: Int, area: Rect, buffer: inout Buffer) {
        let count = state.snapshot.intents?.count ?? 0
        textBox(title: "Fleet intents (\(count)) — any key closes", lines: intentLines(state), state: state, offset: offset, area: area, buffer: &buffer)
    }

    /// A bordered box of `lines` over the screens, scrolled by `offset`.
    private static func textBox(title: String, lines: [String], state: DashboardState, offset: Int, area: Rect, buffer: inout Buffer) {
        let width = min(area.width, max(60, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4))
        let box = area.centered(width: width, height: min(area.height, lines.count + 2))
        guard box.width >= 4, box.height >= 3 else { return }
        buffer.fill(box, style: .themed(.dialog))
        let glyphs: Border.Glyphs = state.options.ascii ? .ascii : .unicode
        Border(title: title, style: .themed(.dialog), glyphs: glyphs).render(in: box, buffer: &buffer)
        let inner = box.inset(top: 1, left: 2, bottom: 1, right: 2)
        let maxOffset = max(0, lines.count - inner.height)
        let first = min(offset, maxOffset)
        for (row, line) in lines.dropFirst(first).prefix(inner.height).enumerated() {
            buffer.set(line: line, in: inner.row(row), style: .themed(.dialog))
        }
        if maxOffset > 0 {
            let more = first < maxOffset ? " ↓ j/PgDn more " : " ↑ k/PgUp back "
            buffer.set(line: more, in: Rect(x: box.x + 2, y: box.maxY - 1, width: box.width - 4, height: 1),
                       style: .themed(.dialog), alignment: .right)
        }
    }

    /// The confirmation dialog: the question, the keys (from the keymap) and Yes / No with the
    /// focused one highlighted.
    static func confirm(_ request: ConfirmRequest, keymap: Keymap, area: Rect, buffer: inout Buffer) {
        let dialog = Dialog(
            title: request.title, message: request.message + "\n\n" + keymap.hint(for: .confirm),
            buttons: ["Yes", "No"], selectedButton: request.selectedButton,
            style: .themed(.dialog), selectedButtonStyle: .themed(.dialogButton), inputStyle: .themed(.input), maxWidth: 72)
        dialog.render(in: area, buffer: &buffer)
    }

    static func weight(_ prompt: WeightPrompt, area: Rect, buffer: inout Buffer) -> Point? {
        var message = "New weight for \(prompt.node) on \(prompt.router)"
        if let current = prompt.current { message += " (now \(current))" }
        message += ", 1–\(WeightPrompt.maximum):"
        if let reason = prompt.temporaryReason { message += "\nTemporary: \(reason)." }
        if let error = prompt.error { message += "\n\(error)" }
        let dialog = Dialog(
            title: "Set weight", message: message, buttons: ["Enter set", "Esc cancel"], selectedButton: 0,
            input: prompt.input, style: .themed(.dialog), selectedButtonStyle: .themed(.dialogButton),
            inputStyle: .themed(.input), maxWidth: 72)
        return dialog.render(in: area, buffer: &buffer)
    }

    /// `terminal too small (need 60×15, have W×H)`, centred and wrapped.
    static func tooSmall(size: Size, buffer: inout Buffer) {
        let minimum = DashboardLayout.minimumSize
        let text = "terminal too small (need \(minimum.width)×\(minimum.height), have \(size.width)×\(size.height))"
        let lines = Truncation.wrap(text, toWidth: max(1, size.width))
        let top = max(0, (size.height - lines.count) / 2)
        for (index, line) in lines.enumerated() {
            buffer.set(line: line, in: Rect(x: 0, y: top + index, width: size.width, height: 1),
                       style: .themed(.statusError), alignment: .center)
        }
    }
}
