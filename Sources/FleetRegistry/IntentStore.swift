import Foundation

/// Reads and writes the fleet-wide intents under `PREFIX/intent/`. Writes are transactions on
/// the key's revision, so of two operators editing the same target one wins and the other is
/// told who did what, never silently overwritten.
public struct IntentStore: Sendable {
    /// An intent and the revision it was last written at.
    public struct Stored: Sendable, Hashable {
        /// The intent.
        public var intent: FleetIntent
        /// Its key's last write; pass it to `set(_:replacing:)` or `clear(_:revision:)`.
        public var revision: Int64
    }

    /// How a write ended.
    public enum Outcome: Sendable, Hashable {
        /// Written or cleared at this revision.
        case done(revision: Int64)
        /// Another write came first; what is there now (nil: the key is gone).
        case conflict(current: Stored?)
    }

    /// Where.
    public let location: RegistryLocation
    private let client: EtcdClient

    /// A store of the intents at `location`.
    public init(location: RegistryLocation, client: EtcdClient) {
        self.location = location
        self.client = client
    }

    /// Every valid intent, sorted by name; values that are not intents are left out.
    public func list() async throws(EtcdClient.Failure) -> [Stored] {
        let (kvs, _) = try await client.range(prefix: location.intentPrefix)
        return kvs.compactMap { Self.decode($0, prefix: location.intentPrefix) }.sorted { $0.intent.name < $1.intent.name }
    }

    /// Writes `intent`: only where none exists on its target (`replacing` nil), or over the one
    /// written at `replacing` (as `list` reported it).
    public func set(_ intent: FleetIntent, replacing revision: Int64? = nil) async throws(EtcdClient.Failure) -> Outcome {
        let key = location.intentKey(intent.name)
        let outcome = try await client.put(key, value: intent.encoded(), if: revision.map { .unchangedSince($0) } ?? .absent)
        return translate(outcome)
    }

    /// Clears the intent `name`, which must still be as written at `revision`.
    public func clear(_ name: String, revision: Int64) async throws(EtcdClient.Failure) -> Outcome {
        translate(try await client.delete(location.intentKey(name), ifUnchangedSince: revision))
    }

    private func translate(_ outcome: EtcdClient.ConditionalOutcome) -> Outcome {
        switch outcome {
        case .done(let revision): return .done(revision: revision)
        case .conflict(let current): return .conflict(current: current.flatMap { Self.decode($0, prefix: location.intentPrefix) })
        }
    }

    private static func decode(_ kv: EtcdKeyValue, prefix: String) -> Stored? {
        guard kv.value.count <= FleetIntent.sizeLimit,
              let intent = try? JSONDecoder().decode(FleetIntent.self, from: kv.value),
              kv.keyText == prefix + intent.name, intent.problem == nil
        else { return nil }
        return Stored(intent: intent, revision: kv.modRevision)
    }
}
