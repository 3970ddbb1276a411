import Synchronization

/// One TLS listener's handshake outcomes, for stats and logs.
final class TLSCounters: Sendable {
    /// Handshakes completed (the machine behind was started or is waiting for bytes).
    let handshakes = Atomic<UInt64>(0)
    /// Plaintext sent to the TLS port (answered with a 400 or closed).
    let plaintext = Atomic<UInt64>(0)
    /// ClientHellos that did not parse, or were too large.
    let malformed = Atomic<UInt64>(0)
    /// SNI names refused (over 255 bytes, NUL or other bytes a host name cannot hold).
    let badServerNames = Atomic<UInt64>(0)
    /// Handshakes (or the SSL router's first bytes) that missed their deadline.
    let timeouts = Atomic<UInt64>(0)
    /// Handshakes the TLS library refused (a missing or bad client certificate among them).
    let failures = Atomic<UInt64>(0)

    init() {}

    /// Counts one refusal by its kind.
    func record(_ refusal: TLSAcceptStateMachine.Refusal) {
        switch refusal {
        case .plaintext: plaintext.add(1, ordering: .relaxed)
        case .malformedHello: malformed.add(1, ordering: .relaxed)
        case .badServerName: badServerNames.add(1, ordering: .relaxed)
        case .handshakeTimeout, .noFirstBytes: timeouts.add(1, ordering: .relaxed)
        case .handshakeFailed: failures.add(1, ordering: .relaxed)
        case .stopped: break
        }
    }

    /// Every refusal counted so far.
    var refused: UInt64 {
        plaintext.load(ordering: .relaxed) &+ malformed.load(ordering: .relaxed) &+ badServerNames.load(ordering: .relaxed)
            &+ timeouts.load(ordering: .relaxed) &+ failures.load(ordering: .relaxed)
    }
}
