import CNcursesw
import Glibc
import TUICore

/// Why the curses terminal could not start.
public enum CursesError: Error, Equatable, CustomStringConvertible {
    /// Standard input or output is not a terminal.
    case notATerminal
    /// curses could not set up the terminal named by `TERM`.
    case cannotInitialise(term: String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "standard input and output must be a terminal (got a pipe or file); use `snapshot` for non-interactive output"
        case .cannotInitialise(let term):
            return "cannot initialise the terminal of type '\(term)': check TERM and the terminfo database"
        }
    }
}

/// The ncurses terminal: a `TerminalBackend` and `InputSource` over `stdscr`.
///
/// Threading: curses is not thread-safe, so every call on this object must come from the
/// same thread (the UI loop); other threads hand it state, never call it.
///
/// `begin()` sets the locale from the environment (needed for wide characters), starts curses
/// in cbreak/noecho/keypad mode with a short ESC delay, starts colour unless monochrome was
/// asked for or the terminal has none, and arms `TerminalRestore` so the terminal is given
/// back on `end()`, `exit`, SIGINT/SIGTERM/SIGHUP and crash signals.
public final class CursesTerminal: TerminalBackend, InputSource {
    /// Start-up choices.
    public struct Options: Sendable {
        /// Draw without colours (attributes only), as for `--no-color` or `NO_COLOR`.
        public var monochrome: Bool
        /// How long curses waits after ESC for the rest of an escape sequence, in milliseconds.
        public var escapeDelayMilliseconds: Int
        /// Install the restoring signal handlers; turn off if the application handles
        /// SIGINT/SIGTERM itself (it must then call `end()` before exiting).
        public var installsSignalHandlers: Bool

        /// Creates options.
        public init(monochrome: Bool = false, escapeDelayMilliseconds: Int = 25, installsSignalHandlers: Bool = true) {
            self.monochrome = monochrome
            self.escapeDelayMilliseconds = escapeDelayMilliseconds
            self.installsSignalHandlers = installsSignalHandlers
        }
    }

    /// Whether the `NO_COLOR` convention asks for no colour (the variable is set and not empty).
    public static var noColorRequested: Bool {
        guard let value = getenv("NO_COLOR") else { return false }
        return value.pointee != 0
    }

    private let options: Options
    private var active = false
    // One curses screen per terminal object: after `end()`, `begin()` resumes it rather than
    // creating another (newterm again would leak the first screen and its FILE streams).
    private var started = false
    private var colors = CursesColorMapping(colorCount: 0, pairCount: 0, hasDefaultColors: true)
    private var lastStyle: Style?
    private var lastAttributes: (attrs: attr_t, pair: Int16) = (0, 0)
    private var lastSize = Size(width: 80, height: 24)

    /// Whether cells are drawn without colour (asked for, or the terminal has none).
    public private(set) var isMonochrome = true

    /// Creates a terminal; nothing happens to the screen until `begin()`.
    public init(options: Options = Options()) {
        self.options = options
    }

    deinit { end() }

    public var size: Size {
        guard active, let screen = cn_stdscr() else { return lastSize }
        return Size(width: Int(cn_max_x(screen)), height: Int(cn_max_y(screen)))
    }

    public func begin() throws {
        guard !active else { return }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw CursesError.notATerminal }
        if started, let screen = cn_stdscr() {
            TerminalRestore.saveModes()
            active = true
            // A refresh after endwin() puts curses back in program mode.
            wrefresh(screen)
            lastStyle = nil
            TerminalRestore.arm(installHandlers: options.installsSignalHandlers)
            return
        }
        setlocale(LC_ALL, "")
        TerminalRestore.saveModes()
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        // newterm, unlike initscr, reports failure instead of exiting the process.
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
              newterm(nil, output, input) != nil, let screen = cn_stdscr() else {
            throw CursesError.cannotInitialise(term: term)
        }
        active = true
        started = true
        cbreak()
        noecho()
        nonl()
        keypad(screen, true)
        set_escdelay(Int32(options.escapeDelayMilliseconds))
        curs_set(0)
        isMonochrome = options.monochrome || !has_colors()
        if !isMonochrome {
            start_color()
            let defaults = use_default_colors() == cn_ok()
            colors = CursesColorMapping(colorCount: Int(cn_colors()), pairCount: Int(cn_color_pairs()), hasDefaultColors: defaults)
        }
        lastStyle = nil
        TerminalRestore.arm(installHandlers: options.installsSignalHandlers)
    }

    public func end() {
        guard active else { return }
        lastSize = size
        active = false
        TerminalRestore.restoreNormally()
    }

    public func draw(_ runs: [DrawRun]) {
        guard active, let screen = cn_stdscr() else { return }
        var cell = cchar_t()
        // CCHARW_MAX wide characters plus the terminating NUL.
        var text = [wchar_t](repeating: 0, count: Int(cn_ccharw_max()) + 1)
        for run in runs {
            wmove(screen, Int32(run.y), Int32(run.x))
            for drawn in run.cells where !drawn.isContinuation {
                let (attrs, pair) = attributes(for: drawn.style)
                var count = 0
                for scalar in drawn.symbol.unicodeScalars where count < text.count - 1 {
                    text[count] = wchar_t(bitPattern: scalar.value)
                    count += 1
                }
                text[count] = 0
                text.withUnsafeBufferPointer { pointer in
                    _ = cn_setcchar(&cell, pointer.baseAddress, attrs, pair)
                }
                // Writing the bottom-right cell returns ERR (the cursor cannot advance) but still draws it.
                wadd_wch(screen, &cell)
            }
        }
    }

    public func flush() {
        guard active, let screen = cn_stdscr() else { return }
        wrefresh(screen)
    }

    public func clear() {
        guard active, let screen = cn_stdscr() else { return }
        wclear(screen)
    }

    public func setCursor(_ position: Point?) {
        guard active, let screen = cn_stdscr() else { return }
        if let position {
            wmove(screen, Int32(position.y), Int32(position.x))
            curs_set(1)
        } else {
            curs_set(0)
        }
    }

    public func nextEvent(timeout: Duration?) -> KeyEvent? {
        guard active, let screen = cn_stdscr() else { return nil }
        wtimeout(screen, timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1)
        var code: wint_t = 0
        let status = wget_wch(screen, &code)
        if status == cn_key_code_yes() {
            if Int32(code) == KEY_RESIZE { return .resize(size) }
            return CursesKeyTranslator.key(forKeyCode: Int32(code)).map { .key($0) }
        }
        if status == cn_ok() { return CursesKeyTranslator.key(forCharacter: UInt32(code)).map { .key($0) } }
        return nil
    }

    /// Curses attributes and colour pair for `style`, cached for runs of equal styles.
    private func attributes(for style: Style) -> (attr_t, Int16) {
        if style == lastStyle { return lastAttributes }
        var attrs = cn_a_normal()
        var effective = style.attributes
        // Without colour, a coloured background (a highlight) would vanish; reverse video keeps it visible.
        if isMonochrome && style.background != .default && !effective.contains(.reverse) { effective.insert(.reverse) }
        if effective.contains(.bold) { attrs |= cn_a_bold() }
        if effective.contains(.underline) { attrs |= cn_a_underline() }
        if effective.contains(.reverse) { attrs |= cn_a_reverse() }
        if effective.contains(.dim) { attrs |= cn_a_dim() }
        var pair: Int16 = 0
        if !isMonochrome {
            let key = CursesColorMapping.PairKey(
                foreground: colors.number(for: style.foreground, isForeground: true),
                background: colors.number(for: style.background, isForeground: false))
            let allocation = colors.pair(for: key)
            if allocation.isNew { init_pair(allocation.pair, key.foreground, key.background) }
            pair = allocation.pair
        }
        lastStyle = style
        lastAttributes = (attrs, pair)
        return (attrs, pair)
    }
}
