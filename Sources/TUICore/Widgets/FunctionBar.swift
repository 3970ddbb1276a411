/// An htop-style bottom bar of key/label pairs: `F1Help  F2Setup  …`.
public struct FunctionBar: Widget, Sendable {
    /// One entry: the key as shown (`F1`, `q`, `Enter`) and what it does.
    public struct Item: Hashable, Sendable {
        /// The key's label.
        public var key: String
        /// What the key does.
        public var label: String
        /// Whether the action is currently unavailable (drawn with `disabledStyle`).
        public var isEnabled: Bool

        /// Creates an entry.
        public init(key: String, label: String, isEnabled: Bool = true) {
            self.key = key
            self.label = label
            self.isEnabled = isEnabled
        }
    }

    /// The entries, left to right.
    public var items: [Item]
    /// Style of the key labels.
    public var keyStyle: Style
    /// Style of the action labels (and the rest of the row).
    public var labelStyle: Style
    /// Style of the action labels of disabled entries.
    public var disabledStyle: Style
    /// Minimum columns for each action label, so entries line up as in htop.
    public var labelWidth: Int

    /// Creates a function bar.
    public init(_ items: [Item], keyStyle: Style = .plain, labelStyle: Style = Style(attributes: .reverse),
                disabledStyle: Style = Style(attributes: [.reverse, .dim]), labelWidth: Int = 6) {
        self.items = items
        self.keyStyle = keyStyle
        self.labelStyle = labelStyle
        self.disabledStyle = disabledStyle
        self.labelWidth = labelWidth
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let row = area.row(0)
        buffer.fill(row, style: labelStyle)
        var x = row.x
        for item in items {
            guard x < row.maxX else { break }
            x = buffer.set(string: item.key, at: Point(x: x, y: row.y), style: keyStyle, clip: row)
            let label = Truncation.fit(item.label, toWidth: max(labelWidth, DisplayWidth.of(item.label)))
            x = buffer.set(string: label, at: Point(x: x, y: row.y), style: item.isEnabled ? labelStyle : disabledStyle, clip: row)
        }
    }
}
