import NIOCore

/// Where the stats server gets the document it serves: the complete, already-encoded JSON.
///
/// The integrator's implementation takes a snapshot from RouterCore and encodes it with
/// RouterWire's stats encoder, e.g. `StatsDocumentEncoder().encode(core.statsSnapshot(now:))`
/// into a `ByteBuffer`. It is called once per stats connection, from a Swift concurrency
/// task (never on a routing event loop); it must produce valid JSON (strings escaped).
public protocol StatsSource: Sendable {
    /// The stats document's bytes.
    func encodedStats() async throws -> ByteBuffer
}
