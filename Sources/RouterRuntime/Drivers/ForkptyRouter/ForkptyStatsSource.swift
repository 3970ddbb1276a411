import NIOCore
import RouterWire

/// A forkpty router's stats: the engine's document (version, pid, the `forkptyrouter`
/// listener list, `cheap`) with the pty sessions as `sessions` and their count as
/// `active_sessions`, which is what uWSGI's forkptyrouter counts too.
struct ForkptyStatsSource: StatsSource {
    /// The router.
    let engine: RouterEngine
    /// Its live pty sessions.
    let registry: PtySessionRegistry

    /// The document with the pty sessions.
    func statsDocument() async throws -> StatsDocument {
        var document = try await engine.statsDocument()
        let sessions = registry.statsSessions()
        document.sessions = sessions
        document.activeSessions = UInt64(sessions.count)
        return document
    }

    func encodedStats() async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try await statsDocument().encodeJSON(into: &buffer, style: .pretty)
        return buffer
    }
}
