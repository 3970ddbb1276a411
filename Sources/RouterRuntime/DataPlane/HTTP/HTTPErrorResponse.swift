import NIOCore

/// The answers the HTTP router writes itself, where uWSGI would close with zero bytes; each
/// has a short text body and `Connection: close`.
enum HTTPErrorResponse {
    /// 400: the request head is not valid HTTP/1.x.
    static let badRequest = make("400 Bad Request", "bad request\n")
    /// 408: the head did not arrive within `--http-headers-timeout`.
    static let requestTimeout = make("408 Request Timeout", "request head timed out\n")
    /// 431: the head exceeds 64 KiB (or its var block exceeds 65535 bytes).
    static let headTooLarge = make("431 Request Header Fields Too Large", "request head too large\n")
    /// 502: every connect attempt failed, or the node closed before answering.
    static let badGateway = make("502 Bad Gateway", "no node could answer\n")
    /// 503: no route (unknown key, no node, cheap mode).
    static let serviceUnavailable = make("503 Service Unavailable", "no node for this host\n")

    private static func make(_ status: String, _ body: String) -> ByteBuffer {
        ByteBuffer(
            string: "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)"
        )
    }
}
