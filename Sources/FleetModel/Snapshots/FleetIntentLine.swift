/// One fleet-wide intent as the dashboard lists it (read from the fleet registry).
public struct FleetIntentLine: Sendable, Hashable {
    /// The intent's name (its key in the registry).
    public var name: String
    /// What it asks, on which routers, by whom and why.
    public var summary: String
    /// When it was set, in seconds since 1970.
    public var time: Double
    /// The revision it was written at (what `fleettop intent clear` needs).
    public var revision: Int64

    /// Creates a line.
    public init(name: String, summary: String, time: Double, revision: Int64) {
        self.name = name
        self.summary = summary
        self.time = time
        self.revision = revision
    }
}
