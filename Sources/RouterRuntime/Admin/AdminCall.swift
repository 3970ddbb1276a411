import NIOCore
import NIOHTTP1

/// One admin API request after the server has parsed, sized and authorised it.
public struct AdminCall: Sendable {
    /// The HTTP method, e.g. `GET`, `POST`.
    public var method: HTTPMethod
    /// The path without the query, e.g. `/nodes/app.local/127.0.0.1:3031/drain`.
    public var path: String
    /// The query string after `?`, if any.
    public var query: String?
    /// The request body (empty when none), at most the server's body limit.
    public var body: ByteBuffer
    /// The peer, as text (`127.0.0.1:50312`, or the socket path for a unix peer).
    public var peer: String
    /// True when the caller proved itself: a matching bearer token, or a private unix socket.
    /// Edits only ever arrive with `true`; reads may arrive with either.
    public var authenticated: Bool

    /// Creates a call value.
    public init(method: HTTPMethod, path: String, query: String?, body: ByteBuffer, peer: String, authenticated: Bool) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.peer = peer
        self.authenticated = authenticated
    }

    /// True for methods that change state (anything but GET and HEAD).
    public var isEdit: Bool { !AdminAuthorization.isRead(method) }
}

/// The handler's answer to an `AdminCall`.
public struct AdminReply: Sendable {
    /// The status code.
    public var status: HTTPResponseStatus
    /// The body bytes (JSON unless `contentType` says otherwise).
    public var body: ByteBuffer
    /// The body's media type (`text/plain; version=0.0.4` for `/metrics`).
    public var contentType: String
    /// A short result summary for the edit log line, e.g. `node drained`.
    public var summary: String
    /// For `GET /v1/watch`: the documents that follow the head, one line each, until the
    /// client leaves (`body` is then unused).
    public var stream: AdminStream?

    /// Creates a response.
    public init(status: HTTPResponseStatus, body: ByteBuffer, contentType: String = "application/json", summary: String = "") {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.summary = summary
    }
}
