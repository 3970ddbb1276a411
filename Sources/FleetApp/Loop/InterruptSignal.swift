import Glibc
import Synchronization

/// Turns SIGINT (Ctrl-C) into a flag the UI loop reads, so Ctrl-C leaves like `q`: terminal
/// restored by the normal path, exit status 0. SIGTERM, SIGHUP and crash signals keep
/// TUICurses' restoring handlers.
public enum InterruptSignal {
    private static let raised = Atomic<Bool>(false)

    /// Installs the handler (call after the curses terminal has begun, so it replaces
    /// TUICurses' SIGINT handler; `end()` then puts back the one from before curses).
    public static func install() {
        // Touch the atomic before a handler can run: first access of a global initialises it.
        raised.store(false, ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = interruptHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Whether SIGINT arrived since `install`; clears the flag.
    public static func take() -> Bool {
        raised.exchange(false, ordering: .relaxed)
    }

    fileprivate static func raise() {
        raised.store(true, ordering: .relaxed)
    }
}

private func interruptHandler(_ signal: Int32) {
    InterruptSignal.raise()
}
