import Logging
import NIOConcurrencyHelpers
import RouterCore

/// Writes the whole state file (every router's operator state and every cache's items) for
/// whoever changed part of it: the admin API after an edit, the cache service after datagrams.
/// Saves are serialised, so the file always ends with the latest state.
final class StateWriter: Sendable {
    let stateFile: StateFile<PersistedState>?
    let engines: [RouterEngine]
    let caches: [RouteCacheStore]
    private let logger: Logger
    private let lock = NIOLock()

    init(stateFile: StateFile<PersistedState>?, engines: [RouterEngine], caches: [RouteCacheStore], logger: Logger) {
        self.stateFile = stateFile
        self.engines = engines
        self.caches = caches
        self.logger = logger
    }

    /// The document as it stands now.
    var document: PersistedState {
        var all = PersistedState()
        for engine in engines { all.routers[engine.name] = engine.operators }
        for cache in caches {
            all.caches[cache.name] = cache.entries.map { RouteCacheStore.Entry(key: $0.key, value: $0.value, expires: $0.expires) }
        }
        return all
    }

    /// Writes the file (blocking I/O: never on an event loop); the error text when that failed.
    func save() -> String? {
        guard let stateFile else { return nil }
        return lock.withLock {
            do {
                try stateFile.save(document)
                return nil
            } catch {
                logger.error("state file not written", metadata: ["path": "\(stateFile.path)", "error": "\(error)"])
                return "\(error)"
            }
        }
    }

    /// Puts the saved items back into their caches; an item that no longer fits (a smaller
    /// `items=`, a malformed value) is logged and left out.
    static func restore(_ saved: PersistedState, into caches: [RouteCacheStore], logger: Logger) {
        for cache in caches {
            for entry in saved.caches[cache.name] ?? [] {
                do {
                    try cache.set(entry)
                } catch {
                    logger.warning("state file cache item not restored", metadata: ["cache": "\(cache.name)", "key": "\(entry.key)", "error": "\(error)"])
                }
            }
        }
    }
}
