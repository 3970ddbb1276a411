/// Draws whole frames to a `TerminalBackend`, sending only the cells that changed.
///
/// Keeps the last frame drawn; each `draw` builds the next one into a fresh buffer of the
/// backend's current size, diffs it against the last and hands the runs to the backend. A size
/// change (or `invalidate()`) clears the screen and redraws everything.
public final class Terminal<Backend: TerminalBackend> {
    /// The backend frames go to.
    public let backend: Backend
    /// Roles → styles for the frames drawn; changing it redraws the next frame in full.
    public var palette: Palette {
        didSet { if palette != oldValue { invalidate() } }
    }
    private var previous: Buffer
    private var current: Buffer
    private var needsFullRedraw = true

    /// Number of runs sent by the last `draw` (for diagnostics and tests).
    public private(set) var lastRunCount = 0

    /// Creates a terminal drawing to `backend`.
    public init(backend: Backend, palette: Palette = Palette()) {
        self.backend = backend
        self.palette = palette
        previous = Buffer(size: backend.size, palette: palette)
        current = previous
    }

    /// The last frame drawn.
    public var lastFrame: Buffer { previous }

    /// Forgets the last frame so the next `draw` clears and repaints the whole screen.
    public func invalidate() { needsFullRedraw = true }

    /// Builds a frame with `render` and draws its changes; `render` may return a cursor position.
    @discardableResult
    public func draw(_ render: (inout Buffer) -> Point?) -> Buffer {
        let size = backend.size
        if current.size != size {
            current.resize(to: size)
            needsFullRedraw = true
        }
        current.palette = palette
        current.reset()
        let cursor = render(&current)
        let runs: [DrawRun]
        if needsFullRedraw || previous.size != size {
            backend.clear()
            runs = current.fullRedraw()
            needsFullRedraw = false
        } else {
            runs = current.diff(from: previous)
        }
        lastRunCount = runs.count
        backend.draw(runs)
        backend.setCursor(cursor)
        backend.flush()
        // Swap rather than copy: the old frame's storage is reused for the next render.
        swap(&previous, &current)
        return previous
    }
}
