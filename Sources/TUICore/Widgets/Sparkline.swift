/// A one-row bar chart of recent values (`▁▂▃▄▅▆▇█`), newest on the right.
public struct Sparkline: Widget, Sendable {
    /// The Unicode bar levels, lowest first.
    public static let unicodeLevels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// The ASCII fallback levels, lowest first.
    public static let asciiLevels: [Character] = [".", ",", ":", "-", "=", "+", "*", "#"]

    /// The values, oldest first; only the newest `width` are drawn.
    public var values: [Double]
    /// The value drawn as a full bar; `nil` scales to the largest value shown.
    public var maximum: Double?
    /// Draw with ASCII characters instead of block elements.
    public var ascii: Bool
    /// The style of the bars.
    public var style: Style

    /// Creates a sparkline.
    public init(_ values: [Double], maximum: Double? = nil, ascii: Bool = false, style: Style = .plain) {
        self.values = values
        self.maximum = maximum
        self.ascii = ascii
        self.style = style
    }

    /// The newest `width` values as bar characters, right-aligned and padded with spaces.
    ///
    /// Zero, negative and non-finite values are blank; any positive value shows at least the
    /// lowest bar; values at or above the maximum show a full bar. All-equal positive values
    /// therefore draw as full bars.
    public func text(width: Int) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let levels = ascii ? Sparkline.asciiLevels : Sparkline.unicodeLevels
        var top = maximum ?? 0
        if maximum == nil {
            for value in shown where value.isFinite && value > top { top = value }
        }
        var text = String(repeating: " ", count: width - shown.count)
        for value in shown {
            guard value.isFinite, value > 0, top > 0, top.isFinite else {
                text.append(" ")
                continue
            }
            let scaled = min(1, value / top) * Double(levels.count)
            let level = min(levels.count, max(1, Int(scaled.rounded(.up))))
            text.append(levels[level - 1])
        }
        return text
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        buffer.set(string: text(width: area.width), at: Point(x: area.x, y: area.y), style: style, clip: area)
    }
}
