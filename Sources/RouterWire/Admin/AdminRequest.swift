/// One call of fleetrouter's admin API (JSON over HTTP/1.1), as the client builds it and the
/// server parses it back. Paths:
///
/// | request | method and path | body |
/// |---|---|---|
/// | `state` | `GET /v1/state` | none; answers the `StatsDocument` |
/// | `metrics` | `GET /metrics` | none; answers Prometheus text |
/// | `drain` / `undrain` / `kick` | `POST /v1/nodes/drain`, `…/undrain`, `…/kick` | `{"key":K,"node":N}` (no `key` for a static node) |
/// | `setWeight` | `POST /v1/nodes/weight` | `{"key":K,"node":N,"weight":W}`; `W` ≥ 1, or `null` to clear |
/// | `setCheap` | `POST /v1/cheap` | `{"mode":"auto"\|"on"\|"off"}` |
/// | `addStatic` / `removeStatic` | `POST` / `DELETE /v1/static` | `{"address":A}` |
/// | `kickSession` | `POST /v1/sessions/kick` | `{"pid":P}`: a forkpty session, by its child's pid |
/// | `reloadTLS` | `POST /v1/tls/reload` | none needed (`{}`): every TLS certificate read again |
/// | `listCache` | `GET /v1/cache` | none; answers a `CacheListing` |
/// | `setCacheItem` / `deleteCacheItem` | `POST` / `DELETE /v1/cache` | `{"cache":C,"key":K,"value":V,"expires":E}`; `cache` (default: the first cache) and `expires` (epoch seconds) optional, no `value` for a delete |
public enum AdminRequest: Sendable, Hashable {
    /// Read the router's full state.
    case state
    /// Stop sending new sessions to the node; in-flight ones finish.
    case drain(NodeRef)
    /// Undo a drain.
    case undrain(NodeRef)
    /// Override the node's weight, or clear the override with nil.
    case setWeight(NodeRef, weight: UInt64?)
    /// Remove the node now (it may come back with its next announce).
    case kick(NodeRef)
    /// Set the cheap mode.
    case setCheap(StatsDocument.CheapMode)
    /// Add a static node.
    case addStatic(address: String)
    /// Remove a static node.
    case removeStatic(address: String)
    /// Read counters in Prometheus text format.
    case metrics
    /// Close a forkpty router's session (its client; the child is hung up), by the child's pid.
    case kickSession(pid: UInt64)
    /// Read every TLS certificate and key again (as SIGHUP does); open connections keep theirs.
    case reloadTLS
    /// List every cache's items (`--cache2`).
    case listCache
    /// Set a cache item; `cache` nil is the first cache, `expires` is epoch seconds.
    case setCacheItem(cache: String?, key: String, value: String, expires: UInt64?)
    /// Delete a cache item; `cache` nil is the first cache.
    case deleteCacheItem(cache: String?, key: String)

    /// True for requests that change the router (they need the admin token).
    public var isEdit: Bool {
        switch self {
        case .state, .metrics, .listCache: return false
        default: return true
        }
    }

    /// The operation's short name, used in responses and the edit log.
    public var operation: String {
        switch self {
        case .state: return "state"
        case .drain: return "drain"
        case .undrain: return "undrain"
        case .setWeight: return "weight"
        case .kick: return "kick"
        case .setCheap: return "cheap"
        case .addStatic: return "static.add"
        case .removeStatic: return "static.remove"
        case .metrics: return "metrics"
        case .kickSession: return "session.kick"
        case .reloadTLS: return "tls.reload"
        case .listCache: return "cache.list"
        case .setCacheItem: return "cache.set"
        case .deleteCacheItem: return "cache.delete"
        }
    }

    /// The HTTP method.
    public var httpMethod: String {
        switch self {
        case .state, .metrics, .listCache: return "GET"
        case .removeStatic, .deleteCacheItem: return "DELETE"
        default: return "POST"
        }
    }

    /// The request path.
    public var path: String {
        switch self {
        case .state: return "/v1/state"
        case .drain: return "/v1/nodes/drain"
        case .undrain: return "/v1/nodes/undrain"
        case .setWeight: return "/v1/nodes/weight"
        case .kick: return "/v1/nodes/kick"
        case .setCheap: return "/v1/cheap"
        case .addStatic, .removeStatic: return "/v1/static"
        case .metrics: return "/metrics"
        case .kickSession: return "/v1/sessions/kick"
        case .reloadTLS: return "/v1/tls/reload"
        case .listCache, .setCacheItem, .deleteCacheItem: return "/v1/cache"
        }
    }

    /// The JSON body, nil for reads.
    public var body: [UInt8]? {
        var writer = JSONWriter(style: .compact, reservingCapacity: 128)
        writer.beginObject()
        switch self {
        case .state, .metrics, .listCache:
            return nil
        case .setCacheItem(let cache, let key, let value, let expires):
            if let cache { writer.member("cache", cache) }
            writer.member("key", key)
            writer.member("value", value)
            if let expires { writer.member("expires", expires) }
        case .deleteCacheItem(let cache, let key):
            if let cache { writer.member("cache", cache) }
            writer.member("key", key)
        case .drain(let ref), .undrain(let ref), .kick(let ref):
            Self.write(ref, to: &writer)
        case .setWeight(let ref, let weight):
            Self.write(ref, to: &writer)
            writer.key("weight")
            if let weight { writer.value(weight) } else { writer.null() }
        case .setCheap(let mode):
            writer.member("mode", mode.rawValue)
        case .addStatic(let address), .removeStatic(let address):
            writer.member("address", address)
        case .kickSession(let pid):
            writer.member("pid", pid)
        case .reloadTLS:
            break
        }
        writer.endObject()
        return writer.bytes
    }

    private static func write(_ ref: NodeRef, to writer: inout JSONWriter) {
        writer.member("key", ref.key)
        writer.member("node", ref.node)
    }
}

extension AdminRequest {
    /// Parses a request as the admin server receives it. A query string on `path` is ignored;
    /// reads ignore any body. Throws `WireError.malformedAdmin` naming the path, method or
    /// body field at fault.
    public init(method: String, path rawPath: String, body: [UInt8]?) throws(WireError) {
        let path = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? rawPath
        let allowed: [String]
        switch path {
        case "/v1/state", "/metrics": allowed = ["GET"]
        case "/v1/nodes/drain", "/v1/nodes/undrain", "/v1/nodes/weight", "/v1/nodes/kick", "/v1/cheap", "/v1/sessions/kick", "/v1/tls/reload":
            allowed = ["POST"]
        case "/v1/static": allowed = ["POST", "DELETE"]
        case "/v1/cache": allowed = ["GET", "POST", "DELETE"]
        default:
            throw .malformedAdmin(reason: "unknown path '\(path)'; expected /v1/state, /metrics, /v1/nodes/{drain,undrain,weight,kick}, /v1/cheap, /v1/static, /v1/sessions/kick, /v1/cache or /v1/tls/reload")
        }
        guard allowed.contains(method) else {
            throw .malformedAdmin(reason: "method \(method) not allowed on \(path); expected \(allowed.joined(separator: " or "))")
        }
        switch path {
        case "/v1/state": self = .state; return
        case "/metrics": self = .metrics; return
        case "/v1/tls/reload": self = .reloadTLS; return
        case "/v1/cache" where method == "GET": self = .listCache; return
        default: break
        }
        let fields = try AdminBody(method: method, path: path, body: body)
        switch path {
        case "/v1/nodes/drain": self = .drain(try fields.nodeRef())
        case "/v1/nodes/undrain": self = .undrain(try fields.nodeRef())
        case "/v1/nodes/kick": self = .kick(try fields.nodeRef())
        case "/v1/nodes/weight": self = .setWeight(try fields.nodeRef(), weight: try fields.weight())
        case "/v1/cheap": self = .setCheap(try fields.cheapMode())
        case "/v1/sessions/kick": self = .kickSession(pid: try fields.pid())
        case "/v1/cache":
            let cache = try fields.optionalText("cache")
            let key = try fields.text("key")
            if method == "POST" {
                self = .setCacheItem(cache: cache, key: key, value: try fields.text("value"), expires: try fields.expires())
            } else {
                self = .deleteCacheItem(cache: cache, key: key)
            }
        default:
            let address = try fields.text("address")
            self = method == "POST" ? .addStatic(address: address) : .removeStatic(address: address)
        }
    }
}

/// The members of an admin request body, with field-level errors.
private struct AdminBody {
    let members: [JSONValue.Member]

    init(method: String, path: String, body: [UInt8]?) throws(WireError) {
        guard let body, !body.isEmpty else {
            throw .malformedAdmin(reason: "\(method) \(path) needs a JSON object body")
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            let detail: String
            if case .malformedStats(let reason) = error { detail = reason } else { detail = error.description }
            throw .malformedAdmin(reason: "body of \(method) \(path) is not JSON: \(detail)")
        }
        guard case .object(let members) = json else {
            throw .malformedAdmin(reason: "body of \(method) \(path) is \(json.kindName), expected a JSON object")
        }
        self.members = members
    }

    func value(_ key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    /// A required non-empty string field.
    func text(_ key: String) throws(WireError) -> String {
        guard let value = value(key) else { throw .malformedAdmin(reason: "\(key): missing, expected a non-empty string") }
        guard case .string(let text) = value, !text.isEmpty else {
            throw .malformedAdmin(reason: "\(key): expected a non-empty string, got \(value.kindName == "a string" ? "an empty string" : value.kindName)")
        }
        return text
    }

    /// An optional non-empty string field.
    func optionalText(_ key: String) throws(WireError) -> String? {
        switch value(key) {
        case nil, .null?: return nil
        default: return try text(key)
        }
    }

    /// The optional `expires` field: epoch seconds, 0 or absent for never.
    func expires() throws(WireError) -> UInt64? {
        switch value("expires") {
        case nil, .null?: return nil
        case .unsigned(let seconds)?: return seconds == 0 ? nil : seconds
        case let other?: throw .malformedAdmin(reason: "expires: expected epoch seconds (an unsigned integer), got \(other.kindName)")
        }
    }

    func nodeRef() throws(WireError) -> NodeRef {
        let node = try text("node")
        switch value("key") {
        case nil, .null?:
            return NodeRef(key: nil, node: node)
        case .string(let key)? where !key.isEmpty:
            return NodeRef(key: key, node: node)
        case let other?:
            throw .malformedAdmin(reason: "key: expected a non-empty subscription key, or no key for a static node, got \(other.kindName == "a string" ? "an empty string" : other.kindName)")
        }
    }

    func weight() throws(WireError) -> UInt64? {
        switch value("weight") {
        case nil:
            throw .malformedAdmin(reason: "weight: missing, expected a positive integer, or null to clear the override")
        case .null?:
            return nil
        case .unsigned(let weight)? where weight > 0:
            return weight
        case let other?:
            let got: String
            if case .unsigned(0) = other { got = "0" } else { got = other.kindName }
            throw .malformedAdmin(reason: "weight: expected a positive integer, or null to clear the override, got \(got)")
        }
    }

    func pid() throws(WireError) -> UInt64 {
        switch value("pid") {
        case .unsigned(let pid)? where pid > 0 && pid <= UInt64(Int32.max):
            return pid
        case .unsigned(let pid)?:
            throw .malformedAdmin(reason: "pid: expected a process id (1-\(Int32.max)), got \(pid)")
        case let other:
            throw .malformedAdmin(reason: "pid: expected a process id (1-\(Int32.max)), got \(other?.kindName ?? "nothing")")
        }
    }

    func cheapMode() throws(WireError) -> StatsDocument.CheapMode {
        guard let value = value("mode") else { throw .malformedAdmin(reason: "mode: missing, expected auto, on or off") }
        guard case .string(let text) = value, let mode = StatsDocument.CheapMode(rawValue: text) else {
            let got: String
            if case .string(let text) = value { got = "\"\(text)\"" } else { got = value.kindName }
            throw .malformedAdmin(reason: "mode: expected auto, on or off, got \(got)")
        }
        return mode
    }
}
