/// One HTTP/1.x response as read off the wire.
struct HTTPResponse: Sendable {
    /// The status code.
    var status: Int
    /// The status line as received.
    var statusLine: String
    /// Header fields in arrival order, names lower-cased.
    var headers: [(name: String, value: String)]
    /// The body (de-chunked).
    var body: [UInt8]

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The app node that answered (`X-Node`, set by the reference app).
    var node: String? { header("x-node") }

    /// True when the server said it closes the connection after this response.
    var closesConnection: Bool { header("connection")?.lowercased() == "close" }
}
