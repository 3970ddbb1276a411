/// The status line and headers of an HTTP/1.x response, as read by the stats poller and the
/// admin client.
struct HTTPResponseHead: Sendable, Hashable {
    /// `HTTP/1.0` or `HTTP/1.1`.
    var version: String
    /// Status code.
    var status: Int
    /// Reason phrase (may be empty).
    var reason: String
    /// Header fields in arrival order, names as sent.
    var headers: [(name: String, value: String)]

    /// The first value of a header, matched case-insensitively.
    func value(of name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    static func == (lhs: HTTPResponseHead, rhs: HTTPResponseHead) -> Bool {
        lhs.version == rhs.version && lhs.status == rhs.status && lhs.reason == rhs.reason
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(status)
    }

    /// Parses a head from the bytes before the blank line (without it). Lines end in CRLF or
    /// a bare LF. Throws a reason naming the part at fault.
    static func parse(_ bytes: some Collection<UInt8>) throws(HTTPHeadProblem) -> HTTPResponseHead {
        // Split bytes, not Characters: in a Swift String "\r\n" is one Character.
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        guard !lines.isEmpty else { throw HTTPHeadProblem("empty response head") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else {
            throw HTTPHeadProblem("status line '\(statusLine.prefix(60))' does not start with HTTP/1.x")
        }
        guard parts[1].count == 3, let status = Int(parts[1]), (100...999).contains(status) else {
            throw HTTPHeadProblem("status code '\(parts[1].prefix(20))' is not a 3-digit number")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HTTPHeadProblem("header line '\(line.prefix(60))' has no name: value form")
            }
            let name = String(line[..<colon])
            headers.append((name, String(line[line.index(after: colon)...].trimmingSpaces)))
        }
        return HTTPResponseHead(
            version: String(parts[0]), status: status,
            reason: parts.count > 2 ? String(parts[2]) : "", headers: headers
        )
    }
}

/// Why an HTTP response head could not be read.
struct HTTPHeadProblem: Error, Sendable, Hashable {
    /// What was wrong.
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
