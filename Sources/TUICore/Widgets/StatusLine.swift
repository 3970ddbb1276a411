/// A single full-width row with text on the left and optional text on the right.
///
/// When both do not fit, the right text is dropped first, then the left text is truncated.
public struct StatusLine: Widget, Sendable {
    /// Text flush left.
    public var left: String
    /// Text flush right.
    public var right: String
    /// The row's style.
    public var style: Style

    /// Creates a status line.
    public init(_ left: String, right: String = "", style: Style = Style(attributes: .reverse)) {
        self.left = left
        self.right = right
        self.style = style
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let row = area.row(0)
        buffer.fill(row, style: style)
        let rightWidth = DisplayWidth.of(right)
        let leftWidth = DisplayWidth.of(left)
        if !right.isEmpty && leftWidth + 1 + rightWidth <= row.width {
            buffer.set(line: right, in: row, style: style, alignment: .right)
        }
        buffer.set(line: left, in: row, style: style)
    }
}
