/// A centred modal box: a title, a wrapped message, an optional text field and a row of buttons.
///
/// The dialog only draws; the application keeps which button is selected and the field's
/// `TextInput`, and passes them in each frame.
public struct Dialog: Sendable {
    /// Text in the top edge.
    public var title: String
    /// The message, wrapped to the box (explicit newlines kept).
    public var message: String
    /// Button labels, left to right (`["Yes", "No"]`); may be empty.
    public var buttons: [String]
    /// Index of the highlighted button.
    public var selectedButton: Int
    /// The text field, if the dialog asks for a value.
    public var input: TextInput?
    /// Style of the box, its border and message.
    public var style: Style
    /// Style of the highlighted button.
    public var selectedButtonStyle: Style
    /// Style of the text field.
    public var inputStyle: Style
    /// Widest the box grows, in columns (it also never exceeds the area).
    public var maxWidth: Int

    /// Creates a dialog.
    public init(title: String, message: String, buttons: [String] = ["OK"], selectedButton: Int = 0,
                input: TextInput? = nil, style: Style = .plain, selectedButtonStyle: Style = Style(attributes: .reverse),
                inputStyle: Style = Style(attributes: .underline), maxWidth: Int = 60) {
        self.title = title
        self.message = message
        self.buttons = buttons
        self.selectedButton = selectedButton
        self.input = input
        self.style = style
        self.selectedButtonStyle = selectedButtonStyle
        self.inputStyle = inputStyle
        self.maxWidth = maxWidth
    }

    private var buttonLabels: [String] { buttons.map { "[ \($0) ]" } }

    /// The box's rectangle when centred in `area`.
    public func frame(in area: Rect) -> Rect {
        let buttonsWidth = buttonLabels.reduce(0) { $0 + DisplayWidth.of($1) } + max(0, buttons.count - 1) * 2
        let longestLine = message.split(separator: "\n", omittingEmptySubsequences: false)
            .map { DisplayWidth.of(String($0)) }.max() ?? 0
        var wanted = max(DisplayWidth.of(title) + 6, longestLine + 4, buttonsWidth + 4, input == nil ? 0 : 34)
        wanted = min(wanted, maxWidth, area.width)
        let lines = Truncation.wrap(message, toWidth: max(1, wanted - 4))
        let height = 2 + lines.count + (input == nil ? 0 : 2) + (buttons.isEmpty ? 0 : 2)
        return area.centered(width: wanted, height: min(height, area.height))
    }

    /// Draws the dialog centred in `area`; returns the text field's cursor position, if any.
    @discardableResult
    public func render(in area: Rect, buffer: inout Buffer) -> Point? {
        let box = frame(in: area)
        guard box.width >= 3, box.height >= 3 else {
            // Too small for a box: the title alone still tells the user a question is open.
            buffer.set(line: title, in: area.row(0), style: style, pad: true)
            return nil
        }
        buffer.fill(box, style: style)
        Border(title: title, style: style).render(in: box, buffer: &buffer)
        let inner = box.inset(top: 1, left: 2, bottom: 1, right: 2)
        guard !inner.isEmpty else { return nil }
        let reserved = (input == nil ? 0 : 2) + (buttons.isEmpty ? 0 : 2)
        let lines = Truncation.wrap(message, toWidth: inner.width)
        let messageRows = max(0, min(lines.count, inner.height - reserved))
        for (index, line) in lines.prefix(messageRows).enumerated() {
            buffer.set(line: line, in: inner.row(index), style: style)
        }
        var cursor: Point?
        var y = messageRows
        if let input, y + 1 < inner.height || (buttons.isEmpty && y < inner.height) {
            y += buttons.isEmpty && y + 1 >= inner.height ? 0 : 1
            cursor = input.render(in: inner.row(y), buffer: &buffer, style: inputStyle)
            y += 1
        }
        if !buttons.isEmpty {
            let row = inner.row(inner.height - 1)
            let labels = buttonLabels
            let total = labels.reduce(0) { $0 + DisplayWidth.of($1) } + (labels.count - 1) * 2
            var x = row.x + max(0, (row.width - total) / 2)
            for (index, label) in labels.enumerated() {
                let buttonStyle = index == selectedButton ? selectedButtonStyle : style
                x = buffer.set(string: label, at: Point(x: x, y: row.y), style: buttonStyle, clip: row) + 2
            }
        }
        return cursor
    }
}
