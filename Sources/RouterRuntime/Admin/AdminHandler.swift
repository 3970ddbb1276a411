import NIOCore
import NIOHTTP1

/// What the admin server calls for every request it did not refuse itself (refusals: 400,
/// 401, 403, 405, 413). Routing (including unknown paths → 404) is the handler's job.
///
/// The integrator's implementation decodes the body with RouterWire's admin request types,
/// applies the operation to RouterCore's operator state (then persists it via `StateFile`),
/// and encodes the reply with RouterWire's admin response types.
public protocol AdminHandler: Sendable {
    /// Answers one request; called from a Swift concurrency task, never on a routing loop.
    func handle(_ call: AdminCall) async -> AdminReply

    /// The JSON body for an error the server produces itself (401, 403, 400, 405, 413).
    /// Override to use RouterWire's admin error type; the default is
    /// `{"error":"<message>","status":<code>}`.
    func errorBody(status: HTTPResponseStatus, message: String, allocator: ByteBufferAllocator) -> ByteBuffer
}

extension AdminHandler {
    /// The default error body, `{"error":"<message>","status":<code>}`, with the message escaped.
    public func errorBody(status: HTTPResponseStatus, message: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: message.utf8.count + 32)
        buffer.writeString("{\"error\":")
        buffer.writeString(JSONText.quoted(message))
        buffer.writeString(",\"status\":\(status.code)}")
        return buffer
    }
}

/// Minimal JSON string quoting for the server's own error bodies.
enum JSONText {
    /// `text` as a JSON string literal, with quotes, backslashes and control bytes escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
