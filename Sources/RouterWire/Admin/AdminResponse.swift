/// The admin API's JSON answer to every request except `GET /v1/state` (which answers the
/// bare `StatsDocument`) and `GET /metrics` (Prometheus text).
public struct AdminResponse: Sendable, Hashable, Codable {
    /// True when the operation was applied.
    public var ok: Bool
    /// The operation's short name (`AdminRequest.operation`).
    public var operation: String
    /// A human sentence saying what happened or why not.
    public var message: String
    /// The router's state after the operation, when the server includes it.
    public var state: StatsDocument?

    /// Creates a response.
    public init(ok: Bool, operation: String, message: String, state: StatsDocument? = nil) {
        self.ok = ok
        self.operation = operation
        self.message = message
        self.state = state
    }

    /// Strict JSON with members in the order `ok`, `operation`, `message`, `state`.
    public func encodeJSON() -> [UInt8] {
        var writer = JSONWriter(style: .compact, reservingCapacity: 256)
        writer.beginObject()
        writer.key("ok")
        writer.value(ok)
        writer.member("operation", operation)
        writer.member("message", message)
        if let state {
            writer.key("state")
            state.write(to: &writer)
        }
        writer.endObject()
        return writer.bytes
    }

    /// Decodes a response body; throws `WireError.malformedAdmin` naming the field at fault.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WireError) -> AdminResponse {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw .malformedAdmin(reason: "response is not JSON: \(error.description)")
        }
        guard case .object = json else { throw .malformedAdmin(reason: "response is \(json.kindName), expected a JSON object") }
        guard case .bool(let ok)? = json["ok"] else { throw .malformedAdmin(reason: "ok: missing or not a boolean") }
        guard case .string(let operation)? = json["operation"] else { throw .malformedAdmin(reason: "operation: missing or not a string") }
        guard case .string(let message)? = json["message"] else { throw .malformedAdmin(reason: "message: missing or not a string") }
        var state: StatsDocument?
        if let stateJSON = json["state"], stateJSON != .null {
            do {
                state = try StatsDocument(json: stateJSON)
            } catch {
                throw .malformedAdmin(reason: "state: \(error.description)")
            }
        }
        return AdminResponse(ok: ok, operation: operation, message: message, state: state)
    }
}
