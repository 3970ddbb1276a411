import Foundation

/// A value kept under `PREFIX/…/NAME` in the registry: a router's record or a fleet intent.
public protocol RegistryRecord: Codable, Sendable, Hashable {
    /// The last part of its key.
    var name: String { get }
    /// True when `name` can be the last part of such a key.
    static func isValidName(_ name: String) -> Bool
    /// The largest value accepted; larger ones are rejected as garbage.
    static var sizeLimit: Int { get }
}

/// The records kept under a prefix (routers, intents), from one full read and the watch
/// events after it, without any I/O.
///
/// Events at or below the revision already applied are ignored, so a watch resumed from an
/// older revision cannot move the view backwards. A value that is not a valid record (too
/// large, not JSON, a name that disagrees with its key) is counted and left out, never fatal.
public struct RegistryMembership<Record: RegistryRecord>: Sendable, Hashable {
    /// How the set changed.
    public enum Change: Sendable, Hashable {
        /// A record appeared (a router registered, an intent was set).
        case added(Record)
        /// A record was rewritten with a different value.
        case updated(Record)
        /// A key was removed: a router's lease expired or it stopped, an intent was cleared.
        case removed(name: String)
    }

    /// The key prefix, with its trailing `/` (`/fleet/routers/`).
    public let prefix: String
    /// The records by name.
    public private(set) var records: [String: Record] = [:]
    /// Each record's last write (its key's mod revision), by name.
    public private(set) var revisions: [String: Int64] = [:]
    /// The revision the view is complete up to; watches resume after it.
    public private(set) var revision: Int64 = 0
    /// Values seen that were not valid records.
    public private(set) var rejected = 0

    /// An empty view of the records under `prefix`.
    public init(prefix: String) {
        self.prefix = prefix
    }

    /// The records sorted by name.
    public var sortedRecords: [Record] { records.values.sorted { $0.name < $1.name } }

    /// Replaces the view with a full read at `revision`; returns what changed.
    public mutating func reset(_ kvs: [EtcdKeyValue], revision: Int64) -> [Change] {
        var next: [String: Record] = [:]
        var nextRevisions: [String: Int64] = [:]
        for kv in kvs {
            guard let record = record(from: kv) else { continue }
            next[record.name] = record
            nextRevisions[record.name] = kv.modRevision
        }
        var changes: [Change] = []
        for (name, record) in next.sorted(by: { $0.key < $1.key }) {
            switch records[name] {
            case nil: changes.append(.added(record))
            case record: break
            default: changes.append(.updated(record))
            }
        }
        for name in records.keys.sorted() where next[name] == nil {
            changes.append(.removed(name: name))
        }
        records = next
        revisions = nextRevisions
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
                switch records[name] {
                case nil: changes.append(.added(record))
                case record: break
                default: changes.append(.updated(record))
                }
                records[name] = record
                revisions[name] = event.kv.modRevision
            case .delete:
                revisions[name] = nil
                if records.removeValue(forKey: name) != nil { changes.append(.removed(name: name)) }
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
        guard key.hasPrefix(prefix) else { return nil }
        let name = String(key.dropFirst(prefix.count))
        return Record.isValidName(name) ? name : nil
    }

    private mutating func record(from kv: EtcdKeyValue) -> Record? {
        guard let name = name(ofKey: kv.keyText), kv.value.count <= Record.sizeLimit,
              let record = try? JSONDecoder().decode(Record.self, from: kv.value),
              record.name == name
        else {
            rejected += 1
            return nil
        }
        return record
    }
}
