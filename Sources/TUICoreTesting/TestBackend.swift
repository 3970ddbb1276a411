import TUICore

/// An in-memory terminal: what a real one would show, as a text grid with per-cell styles.
///
/// Screen tests draw through `Terminal` into it and compare `lines` with the expected text.
public final class TestBackend: TerminalBackend, InputSource {
    /// The screen size; assign to simulate a resize.
    public var size: Size {
        didSet { screen.resize(to: size) }
    }
    private var screen: Buffer
    private var pendingEvents: [KeyEvent] = []

    /// Whether `begin` has been called without a matching `end`.
    public private(set) var isActive = false
    /// Where the cursor is shown, or `nil` when hidden.
    public private(set) var cursor: Point?
    /// Number of `flush` calls.
    public private(set) var flushCount = 0
    /// Number of cells written by `draw` calls so far (continuations excluded).
    public private(set) var cellsWritten = 0

    /// Creates a blank screen of `width`×`height`.
    public init(width: Int, height: Int) {
        size = Size(width: width, height: height)
        screen = Buffer(size: Size(width: width, height: height))
    }

    /// The screen's rows as text, wide graphemes once, trailing spaces kept.
    public var lines: [String] {
        (0..<size.height).map { line($0) }
    }

    /// Row `y` as text (empty outside the screen).
    public func line(_ y: Int) -> String {
        guard y >= 0, y < size.height else { return "" }
        var text = ""
        for x in 0..<size.width {
            if let cell = screen[x, y], !cell.isContinuation { text.append(cell.symbol) }
        }
        return text
    }

    /// The whole screen as one string: rows joined by newlines, trailing spaces and trailing
    /// blank rows trimmed (the form screen snapshots are written in).
    public var text: String {
        var rows = lines.map { line in
            var trimmed = Substring(line)
            while trimmed.last == " " { trimmed = trimmed.dropLast() }
            return String(trimmed)
        }
        while rows.last?.isEmpty == true { rows.removeLast() }
        return rows.joined(separator: "\n")
    }

    /// The cell shown at column `x`, row `y`.
    public func cell(x: Int, y: Int) -> Cell? { screen[x, y] }

    /// The style shown at column `x`, row `y`.
    public func style(x: Int, y: Int) -> Style? { screen[x, y]?.style }

    /// Queues events for `nextEvent` (so the backend can double as its own input).
    public func enqueue(_ events: KeyEvent...) { pendingEvents.append(contentsOf: events) }

    public func begin() throws { isActive = true }

    public func end() { isActive = false }

    public func draw(_ runs: [DrawRun]) {
        for run in runs {
            var x = run.x
            for cell in run.cells {
                if x >= 0, x < size.width, run.y >= 0, run.y < size.height {
                    screen.store(cell, x: x, y: run.y)
                    if !cell.isContinuation { cellsWritten += 1 }
                }
                x += 1
            }
        }
    }

    public func flush() { flushCount += 1 }

    public func clear() { screen.resize(to: size) }

    public func setCursor(_ position: Point?) { cursor = position }

    public func nextEvent(timeout: Duration?) -> KeyEvent? {
        pendingEvents.isEmpty ? nil : pendingEvents.removeFirst()
    }
}
