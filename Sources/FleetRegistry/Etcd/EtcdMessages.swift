import Foundation

// The JSON of etcd v3's gRPC gateway (`/v3/...`): proto3's JSON mapping, so 64-bit integers
// travel as strings and bytes as base64. Only the fields the registry uses are declared.

/// A 64-bit integer as proto3 JSON writes it: a string, though a number is read too.
struct EtcdInteger<Value: FixedWidthInteger & Codable & Sendable>: Codable, Sendable, Hashable {
    var value: Value

    init(_ value: Value) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Value(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text.prefix(40))' is not a \(Value.bitWidth)-bit integer")
            }
            self.value = value
        } else {
            value = try container.decode(Value.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }
}

/// Revisions, leases and TTLs.
typealias EtcdInt64 = EtcdInteger<Int64>
/// Member ids, which use the whole unsigned range.
typealias EtcdUInt64 = EtcdInteger<UInt64>

/// Every response's header; `revision` is the store's revision when the request was served.
struct EtcdHeader: Decodable, Sendable {
    var revision: EtcdInt64?
    var memberID: EtcdUInt64?

    enum CodingKeys: String, CodingKey {
        case revision
        case memberID = "member_id"
    }
}

struct EmptyRequest: Encodable {}

struct StatusResponse: Decodable {
    var header: EtcdHeader?
    var leader: EtcdUInt64?
}

/// One key and its value as stored.
public struct EtcdKeyValue: Decodable, Sendable, Hashable {
    /// The key's bytes.
    public var key: Data
    /// The value's bytes (empty for a deletion event).
    public var value: Data
    /// The revision of the key's last change.
    public var modRevision: Int64
    /// The lease the key is attached to, 0 for none.
    public var lease: Int64

    enum CodingKeys: String, CodingKey {
        case key, value, lease
        case modRevision = "mod_revision"
    }

    /// Creates a pair (for tests).
    public init(key: Data, value: Data, modRevision: Int64, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.modRevision = modRevision
        self.lease = lease
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decodeIfPresent(Data.self, forKey: .key) ?? Data()
        value = try container.decodeIfPresent(Data.self, forKey: .value) ?? Data()
        modRevision = try container.decodeIfPresent(EtcdInt64.self, forKey: .modRevision)?.value ?? 0
        lease = try container.decodeIfPresent(EtcdInt64.self, forKey: .lease)?.value ?? 0
    }

    /// The key as text (keys the registry writes are UTF-8).
    public var keyText: String { String(decoding: key, as: UTF8.self) }
}

struct RangeRequest: Encodable {
    var key: Data
    var rangeEnd: Data
    var limit: EtcdInt64?

    enum CodingKeys: String, CodingKey {
        case key, limit
        case rangeEnd = "range_end"
    }
}

struct RangeResponse: Decodable {
    var header: EtcdHeader?
    var kvs: [EtcdKeyValue]?
    var more: Bool?
}

struct PutRequest: Encodable {
    var key: Data
    var value: Data
    var lease: EtcdInt64?
}

struct DeleteRangeRequest: Encodable {
    var key: Data
}

struct HeaderOnlyResponse: Decodable {
    var header: EtcdHeader?
}

struct LeaseGrantRequest: Encodable {
    var TTL: EtcdInt64
}

struct LeaseGrantResponse: Decodable {
    var ID: EtcdInt64?
    var TTL: EtcdInt64?
    var error: String?
}

struct LeaseIDRequest: Encodable {
    var ID: EtcdInt64
}

/// `/v3/lease/keepalive` streams `{"result": {...}}` messages.
struct LeaseKeepAliveMessage: Decodable {
    struct Result: Decodable {
        var ID: EtcdInt64?
        var TTL: EtcdInt64?
    }

    var result: Result?
}

struct WatchCreate: Encodable {
    struct Create: Encodable {
        var key: Data
        var rangeEnd: Data
        var startRevision: EtcdInt64
        var progressNotify: Bool

        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
            case startRevision = "start_revision"
            case progressNotify = "progress_notify"
        }
    }

    var createRequest: Create

    enum CodingKeys: String, CodingKey {
        case createRequest = "create_request"
    }
}

/// One event of a watch: a put (the default type, omitted by proto3 JSON) or a delete.
public struct EtcdWatchEvent: Decodable, Sendable, Hashable {
    /// Whether the key was written or removed (by a delete or an expired lease).
    public enum Kind: String, Decodable, Sendable {
        /// Written.
        case put = "PUT"
        /// Removed.
        case delete = "DELETE"
    }

    /// Put or delete.
    public var kind: Kind
    /// The key after the event (for a delete: the key, and the deletion's revision).
    public var kv: EtcdKeyValue

    enum CodingKeys: String, CodingKey {
        case kind = "type"
        case kv
    }

    /// Creates an event (for tests).
    public init(kind: Kind, kv: EtcdKeyValue) {
        self.kind = kind
        self.kv = kv
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .put
        kv = try container.decode(EtcdKeyValue.self, forKey: .kv)
    }
}

/// One message of a watch stream.
struct WatchMessage: Decodable {
    struct Result: Decodable {
        var header: EtcdHeader?
        var created: Bool?
        var canceled: Bool?
        var compactRevision: EtcdInt64?
        var cancelReason: String?
        var events: [EtcdWatchEvent]?

        enum CodingKeys: String, CodingKey {
            case header, created, canceled, events
            case compactRevision = "compact_revision"
            case cancelReason = "cancel_reason"
        }
    }

    struct StreamError: Decodable {
        var message: String?
        var httpCode: Int?

        enum CodingKeys: String, CodingKey {
            case message
            case httpCode = "http_code"
        }
    }

    var result: Result?
    var error: StreamError?
}

/// The gateway's error body: `{"error": "...", "code": 14, "message": "..."}`.
struct GatewayError: Decodable {
    var error: String?
    var message: String?
    var code: Int?
}

/// The first key after every key that starts with `prefix` (etcd's `range_end` for a prefix).
func etcdPrefixEnd(_ prefix: Data) -> Data {
    var bytes = [UInt8](prefix)
    while let last = bytes.last {
        if last < 0xFF {
            bytes[bytes.count - 1] = last + 1
            return Data(bytes)
        }
        bytes.removeLast()
    }
    // Every byte 0xFF (or empty): "\0" means "to the end of the keyspace".
    return Data([0])
}

/// `/v3/kv/txn`: one comparison on a key, a put or delete when it holds, a read when not.
struct TxnRequest: Encodable {
    struct Compare: Encodable {
        var key: Data
        var target: String
        var result = "EQUAL"
        var createRevision: EtcdInt64?
        var modRevision: EtcdInt64?

        enum CodingKeys: String, CodingKey {
            case key, target, result
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }
    }

    struct Operation: Encodable {
        var requestPut: PutRequest?
        var requestDeleteRange: DeleteRangeRequest?
        var requestRange: RangeRequest?

        enum CodingKeys: String, CodingKey {
            case requestPut = "request_put"
            case requestDeleteRange = "request_delete_range"
            case requestRange = "request_range"
        }
    }

    var compare: [Compare]
    var success: [Operation]
    var failure: [Operation]
}

struct TxnResponse: Decodable {
    struct Operation: Decodable {
        var responseRange: RangeResponse?

        enum CodingKeys: String, CodingKey {
            case responseRange = "response_range"
        }
    }

    var header: EtcdHeader?
    var succeeded: Bool?
    var responses: [Operation]?
}
