import FleetModel
import TUICore

/// Something that happened, fed to the reducer: input, time, poll results, edit replies.
public enum DashboardEvent: Sendable, Hashable {
    /// A key press.
    case key(Key)
    /// The terminal's new size.
    case resize(Size)
    /// Time passed (the executable sends one per frame or second): re-evaluates staleness.
    case tick(FleetInstant)
    /// The poller has a newer fleet snapshot.
    case snapshotUpdated(FleetSnapshot)
    /// A router answered (or failed to answer) an edit sent by an `apply` effect.
    case editFinished(PlannedEdit, EditOutcome)

    /// The event for an input-source event.
    public init(_ event: KeyEvent) {
        switch event {
        case let .key(key): self = .key(key)
        case let .resize(size): self = .resize(size)
        }
    }
}
