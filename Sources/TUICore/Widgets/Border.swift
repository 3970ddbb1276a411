/// A box drawn around a rectangle, with an optional title in the top edge.
public struct Border: Widget, Sendable {
    /// The line characters: corners, horizontal, vertical.
    public struct Glyphs: Hashable, Sendable {
        /// Top-left, top-right, bottom-left, bottom-right corners.
        public var corners: (Character, Character, Character, Character)
        /// Horizontal edge.
        public var horizontal: Character
        /// Vertical edge.
        public var vertical: Character

        /// Unicode light box-drawing lines.
        public static let unicode = Glyphs(corners: ("┌", "┐", "└", "┘"), horizontal: "─", vertical: "│")
        /// ASCII lines for terminals without box-drawing characters.
        public static let ascii = Glyphs(corners: ("+", "+", "+", "+"), horizontal: "-", vertical: "|")

        public static func == (lhs: Glyphs, rhs: Glyphs) -> Bool {
            lhs.corners == rhs.corners && lhs.horizontal == rhs.horizontal && lhs.vertical == rhs.vertical
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(horizontal)
            hasher.combine(vertical)
        }
    }

    /// Text in the top edge (truncated to fit).
    public var title: String
    /// Style of the lines and the title.
    public var style: Style
    /// The line characters.
    public var glyphs: Glyphs

    /// Creates a border.
    public init(title: String = "", style: Style = .plain, glyphs: Glyphs = .unicode) {
        self.title = title
        self.style = style
        self.glyphs = glyphs
    }

    /// The area inside the border.
    public func inner(_ area: Rect) -> Rect { area.inset(by: 1) }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard area.width >= 2, area.height >= 2 else { return }
        buffer.fill(Rect(x: area.x + 1, y: area.y, width: area.width - 2, height: 1), with: glyphs.horizontal, style: style)
        buffer.fill(Rect(x: area.x + 1, y: area.maxY - 1, width: area.width - 2, height: 1), with: glyphs.horizontal, style: style)
        buffer.fill(Rect(x: area.x, y: area.y + 1, width: 1, height: area.height - 2), with: glyphs.vertical, style: style)
        buffer.fill(Rect(x: area.maxX - 1, y: area.y + 1, width: 1, height: area.height - 2), with: glyphs.vertical, style: style)
        buffer.fill(Rect(x: area.x, y: area.y, width: 1, height: 1), with: glyphs.corners.0, style: style)
        buffer.fill(Rect(x: area.maxX - 1, y: area.y, width: 1, height: 1), with: glyphs.corners.1, style: style)
        buffer.fill(Rect(x: area.x, y: area.maxY - 1, width: 1, height: 1), with: glyphs.corners.2, style: style)
        buffer.fill(Rect(x: area.maxX - 1, y: area.maxY - 1, width: 1, height: 1), with: glyphs.corners.3, style: style)
        if !title.isEmpty && area.width > 4 {
            buffer.set(line: " \(title) ", in: Rect(x: area.x + 1, y: area.y, width: area.width - 2, height: 1), style: style.adding(.bold))
        }
    }
}
