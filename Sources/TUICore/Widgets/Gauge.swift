/// A one-row progress bar with a centred label (`42%` by default).
public struct Gauge: Widget, Sendable {
    /// The filled fraction, clamped to 0…1 (non-finite values count as 0).
    public var ratio: Double
    /// The text in the middle; `nil` shows the percentage.
    public var label: String?
    /// The style of the filled part.
    public var filledStyle: Style
    /// The style of the empty part.
    public var emptyStyle: Style

    /// Creates a gauge.
    public init(ratio: Double, label: String? = nil,
                filledStyle: Style = Style(attributes: .reverse), emptyStyle: Style = .plain) {
        self.ratio = ratio
        self.label = label
        self.filledStyle = filledStyle
        self.emptyStyle = emptyStyle
    }

    /// The ratio clamped to 0…1.
    public var clampedRatio: Double { ratio.isFinite ? min(1, max(0, ratio)) : 0 }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let row = area.row(0)
        let filled = Int((clampedRatio * Double(row.width)).rounded(.down))
        buffer.fill(row, style: emptyStyle)
        buffer.fill(Rect(x: row.x, y: row.y, width: filled, height: 1), style: filledStyle)
        let text = Truncation.truncate(label ?? "\(Int((clampedRatio * 100).rounded(.down)))%", toWidth: row.width)
        var x = row.x + (row.width - DisplayWidth.of(text)) / 2
        // Each label character takes the style of the bar part it sits on, so the label stays readable.
        for character in text {
            let style = x < row.x + filled ? filledStyle : emptyStyle
            x = buffer.set(string: String(character), at: Point(x: x, y: row.y), style: style, clip: row)
        }
    }
}
