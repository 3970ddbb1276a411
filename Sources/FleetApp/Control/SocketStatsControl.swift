import Dispatch
import FleetModel
import RouterWire

/// A poll-only `FleetControl` over blocking sockets, run on GCD threads so the cooperative pool
/// never blocks. Stands in for FleetClient's `NIOFleetControl` until it is linked in; its
/// edits fail with a message saying so.
public struct SocketStatsControl: FleetControl {
    /// Seconds each poll may take.
    public var timeout: Double

    /// Creates the control.
    public init(timeout: Double = SnapshotConfiguration.defaultTimeout) {
        self.timeout = timeout
    }

    /// Reads and decodes (leniently, as uWSGI writes it) the router's stats document.
    public func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        let address = router.stats
        let timeout = self.timeout
        let bytes: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do throws(StatsReadError) {
                    continuation.resume(returning: try StatsSocketReader.read(address, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        do {
            return try StatsDocument.decode(lenient: bytes)
        } catch {
            throw StatsReadError(address: address.description, problem: "not a stats document: \(error)")
        }
    }

    /// Edits need the admin client of FleetClient; this stopgap reports that.
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint) async throws -> EditOutcome {
        .failed(error: Self.editsUnavailable)
    }

    /// The reason edits fail in this build.
    public static let editsUnavailable = "edits need FleetClient's admin client, which this build does not include yet"
}
