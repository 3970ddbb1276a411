import FleetRegistry
import Foundation
import Logging
import RouterCore
import ServiceLifecycle

/// Applies the fleet-wide intents of the registry to every router of this process, as they
/// change, and records each change in the router's audit log in the registry
/// (`PREFIX/audit/NAME/…`, the newest `auditLimit` entries kept).
struct FleetIntentService: Service {
    let location: RegistryLocation
    let router: String
    let engines: [RouterEngine]
    let client: EtcdClient
    let logger: Logger
    /// Entries kept in the audit log.
    var auditLimit = 100

    /// Reads the intents once, within `timeout`, for a router about to start: nil (logged)
    /// when the registry cannot be read, so the router starts with its own state.
    static func initialLayer(location: RegistryLocation, router: String?, timeout: Duration, logger: Logger) async -> OperatorState? {
        let store = IntentStore(location: location, client: EtcdClient(location: location, timeout: timeout))
        do {
            let intents = try await store.list().map(\.intent)
            return FleetIntentLayer.layer(intents, router: router)
        } catch {
            logger.warning("fleet intents not read at start; starting without them until the registry answers", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func run() async throws {
        let watcher = RegistryWatcher<FleetIntent>(prefix: location.intentPrefix, client: client, logger: logger)
        await cancelWhenGracefulShutdown {
            var applied = engines.first?.fleetIntent ?? OperatorState()
            for await view in watcher.views {
                let layer = FleetIntentLayer.layer(view.records, router: router)
                guard layer != applied else { continue }
                applied = layer
                for engine in engines { engine.replaceFleetIntent(layer) }
                for change in view.changes {
                    let line = Self.describe(change)
                    logger.notice("fleet intent \(line)", metadata: ["revision": "\(view.revision)"])
                    await audit(line, revision: view.revision)
                }
            }
        }
        watcher.stop()
    }

    static func describe(_ change: RegistryMembership<FleetIntent>.Change) -> String {
        switch change {
        case .added(let intent): "set: \(intent.summary)"
        case .updated(let intent): "changed: \(intent.summary)"
        case .removed(let name): "cleared: \(name)"
        }
    }

    /// Appends one entry to the audit log and trims it to `auditLimit` entries (best effort:
    /// a registry that does not answer loses the entry, logged).
    private func audit(_ line: String, revision: Int64) async {
        let prefix = location.auditPrefix(router: router)
        // Zero-padded, so the keys sort by revision.
        let key = prefix + String(format: "%020lld", revision) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let entry: [String: String] = ["change": line, "time": String(Date().timeIntervalSince1970), "revision": String(revision)]
        do {
            try await client.put(key, value: (try? JSONEncoder().encode(entry)) ?? Data())
            let (kvs, _) = try await client.range(prefix: prefix)
            for old in kvs.dropLast(auditLimit) { try await client.delete(old.keyText) }
        } catch {
            logger.warning("fleet intent audit entry not written", metadata: ["error": "\(error)"])
        }
    }
}
