/// Whether a router or node just appeared, is established, went away, or has old data.
public enum Presence: Sendable, Hashable {
    /// Seen for the first time in the latest poll (not on a router's very first poll).
    case new
    /// Seen in the last two polls.
    case present
    /// Missing from the latest `polls` successful polls; shown for a few polls, then dropped.
    case gone(polls: Int)
    /// Its router has not answered within 3 × interval, so this data may be out of date.
    case stale
}
