import Foundation

/// The routers registered under a prefix, kept from one full read and the watch events after
/// it, without any I/O.
///
/// Events at or below the revision already applied are ignored, so a watch resumed from an
/// older revision cannot move the view backwards. A value that is not a valid record (too
/// large, not JSON, a name that disagrees with its key) is counted and left out, never fatal.
public struct RegistryMembership: Sendable, Hashable {
    /// How the set of routers changed.
    public enum Change: Sendable, Hashable {
        /// A router registered.
        case added(RouterRecord)
        /// A registered router wrote a different record.
        case updated(RouterRecord)
        /// A router's key was removed: its lease expired, or it stopped.
        case removed(name: String)
    }

    /// The routers' key prefix (`/fleet/routers/`).
    public let routersPrefix: String
    /// Registered routers by name.
    public private(set) var routers: [String: RouterRecord] = [:]
    /// The revision the view is complete up to; watches resume after it.
    public private(set) var revision: Int64 = 0
    /// Values seen that were not valid records.
    public private(set) var rejected = 0

    /// An empty view of the routers under `routersPrefix`.
    public init(routersPrefix: String) {
        self.routersPrefix = routersPrefix
    }

    /// The routers sorted by name.
    public var sortedRecords: [RouterRecord] { routers.values.sorted { $0.name < $1.name } }

    /// Replaces the view with a full read at `revision`; returns what changed.
    public mutating func reset(_ kvs: [EtcdKeyValue], revision: Int64) -> [Change] {
        var next: [String: RouterRecord] = [:]
        for kv in kvs {
            guard let record = record(from: kv) else { continue }
            next[record.name] = record
        }
        var changes: [Change] = []
        for (name, record) in next.sorted(by: { $0.key < $1.key }) {
            switch routers[name] {
            case nil: changes.append(.added(record))
            case record: break
            default: changes.append(.updated(record))
            }
        }
        for name in routers.keys.sorted() where next[name] == nil {
            changes.append(.removed(name: name))
        }
        routers = next
        self.revision = max(self.revision, revision)
        return changes
    }

    /// Applies watch events; `revision` is the header's revision of their message.
    public mutating func apply(_ events: [EtcdWatchEvent], revision headerRevision: Int64) -> [Change] {
        var changes: [Change] = []
        for event in events where event.kv.modRevision > revision {
            guard let name = name(ofKey: event.kv.keyText) else { continue }
            switch event.kind {
            case .put:
                guard let record = record(from: event.kv) else { continue }
                switch routers[name] {
                case nil: changes.append(.added(record))
                case record: break
                default: changes.append(.updated(record))
                }
                routers[name] = record
            case .delete:
                if routers.removeValue(forKey: name) != nil { changes.append(.removed(name: name)) }
            }
        }
        let last = events.map(\.kv.modRevision).max() ?? 0
        revision = max(revision, last, headerRevision)
        return changes
    }

    /// Notes that nothing changed up to `revision` (a progress notification).
    public mutating func advance(to revision: Int64) {
        self.revision = max(self.revision, revision)
    }

    private func name(ofKey key: String) -> String? {
        guard key.hasPrefix(routersPrefix) else { return nil }
        let name = String(key.dropFirst(routersPrefix.count))
        return RouterRecord.isValidName(name) ? name : nil
    }

    private mutating func record(from kv: EtcdKeyValue) -> RouterRecord? {
        guard let name = name(ofKey: kv.keyText), kv.value.count <= RouterRecord.sizeLimit,
              let record = try? JSONDecoder().decode(RouterRecord.self, from: kv.value),
              record.name == name
        else {
            rejected += 1
            return nil
        }
        return record
    }
}
