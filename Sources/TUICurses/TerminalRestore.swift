import CNcursesw
import Glibc
import Synchronization

/// Gives the terminal back on every way out of the process: normal stop, `exit`, SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT, and the crash signals SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE
/// and SIGTRAP (what a Swift runtime trap raises).
///
/// Two paths, because `endwin()` is not async-signal-safe:
/// - **Normal** (`restoreNormally`, also the `atexit` hook): `endwin()`, which lets curses
///   flush and restore everything it changed.
/// - **Signal** (`restoreFromSignal`): only async-signal-safe calls — `write(2)` of a byte
///   string precomputed at `arm` time from terminfo (CAN to abort any escape sequence curses
///   was half-way through, then `sgr0`, `cnorm`, `rmkx`, `rmcup`) and `tcsetattr(2)` with the
///   terminal modes saved before curses started. Curses' own bookkeeping is left stale, which
///   is harmless because the handler then re-raises the signal with its default disposition
///   and the process ends. The tradeoff: output curses buffered but never flushed is lost,
///   and exotic terminal state curses set beyond those capabilities is not undone.
///
/// Restoring is idempotent: an atomic flag lets exactly one path run per `arm`.
enum TerminalRestore {
    static let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    static let crashSignals: [Int32] = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP]

    /// 1 while curses owns the terminal and nobody has restored it yet.
    private static let armed = Atomic<Int>(0)
    /// Whether the `atexit` hook is registered (it can only be registered once per process).
    private static let exitHookInstalled = Atomic<Bool>(false)

    // Written only by `arm`/`disarm` on the curses thread while no handler is installed (or
    // before the flag is raised), read by signal handlers: plain storage is enough.
    nonisolated(unsafe) private static var sequence = [UInt8]()
    nonisolated(unsafe) private static var sequencePointer: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) private static var sequenceLength = 0
    /// The modes saved by `saveModes`, on the heap: `tcgetattr` writes glibc's whole 60-byte
    /// `struct termios`, which ran past the end of a Swift global of the imported type
    /// (AddressSanitizer: global-buffer-overflow). Allocated before any handler runs.
    nonisolated(unsafe) private static let savedModes: UnsafeMutablePointer<termios> = {
        let modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
        modes.initialize(to: termios())
        return modes
    }()
    nonisolated(unsafe) private static var hasSavedModes = false
    nonisolated(unsafe) private static var previousActions: [Int32: sigaction] = [:]

    /// Saves the terminal modes; call before curses changes them.
    static func saveModes() {
        hasSavedModes = tcgetattr(STDIN_FILENO, savedModes) == 0
    }

    /// Prepares the signal-path bytes (after curses has loaded terminfo), raises the flag and,
    /// if asked, installs the handlers and the `atexit` hook.
    static func arm(installHandlers: Bool) {
        var bytes: [UInt8] = [0x18]
        for capability in ["sgr0", "cnorm", "rmkx", "rmcup"] {
            if let value = capability.withCString({ cn_tigetstr($0) }) {
                var pointer = value
                while pointer.pointee != 0 {
                    bytes.append(UInt8(bitPattern: pointer.pointee))
                    pointer += 1
                }
            }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
        sequencePointer?.deallocate()
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        storage.initialize(from: bytes, count: bytes.count)
        sequencePointer = storage
        sequenceLength = bytes.count
        armed.store(1, ordering: .sequentiallyConsistent)
        if exitHookInstalled.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged {
            atexit { TerminalRestore.restoreNormally() }
        }
        if installHandlers {
            for signal in terminatingSignals + crashSignals { install(signal) }
        }
    }

    /// Restores the terminal with `endwin()` if it is still owned; puts back the previous
    /// signal handlers. Returns whether this call did the restoring.
    @discardableResult
    static func restoreNormally() -> Bool {
        guard armed.compareExchange(expected: 1, desired: 0, ordering: .sequentiallyConsistent).exchanged else { return false }
        endwin()
        for (signal, var action) in previousActions { sigaction(signal, &action, nil) }
        previousActions.removeAll()
        return true
    }

    /// The async-signal-safe restore used inside signal handlers.
    static func restoreFromSignal() {
        guard armed.compareExchange(expected: 1, desired: 0, ordering: .sequentiallyConsistent).exchanged else { return }
        if let pointer = sequencePointer {
            var offset = 0
            // Bounded: each pass writes at least one byte or gives up.
            while offset < sequenceLength {
                let written = write(STDOUT_FILENO, pointer + offset, sequenceLength - offset)
                if written <= 0 { break }
                offset += written
            }
        }
        if hasSavedModes { tcsetattr(STDIN_FILENO, TCSANOW, savedModes) }
    }

    private static func install(_ signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handleSignal
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        if sigaction(signal, &action, &previous) == 0, previousActions[signal] == nil {
            previousActions[signal] = previous
        }
    }
}

/// Restores the terminal, then dies of `signal` as if no handler had been installed.
private func handleSignal(_ signal: Int32) {
    TerminalRestore.restoreFromSignal()
    var action = sigaction()
    action.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(signal, &action, nil)
    // The signal is blocked while its handler runs, so it is delivered again on return.
    raise(signal)
}
