/// The wire of `--xxx-use-code-socket` (fleetrouter's own), without I/O: one uwsgi request per
/// key on a new unix stream connection, answered as a uWSGI application answers, so a WSGI
/// app served by uWSGI (`--socket PATH`) can be the resolver.
///
/// Request: a uwsgi packet (modifier1 0, modifier2 0) whose vars are a plain `GET /` with the
/// key in `HTTP_HOST` and again in `FLEETROUTER_KEY`, and the router's name in
/// `FLEETROUTER_ROUTER`. Answer, read until the resolver closes (at most 8 KiB): an HTTP
/// status line, headers and a body.
/// - `200`: the body is the node (`addr` or `addr,modifier1`; surrounding blanks ignored);
///   an empty body means no node.
/// - `404`: the key has no node.
/// - any other status, or no status line: a failure (the requests for the key get a 502).
/// - `Cache-Control: max-age=N`: the router may reuse the answer for N seconds.
enum CodeSocketProtocol {
    /// The most answer bytes read.
    static let maximumResponse = 8192

    /// The request packet for `key`.
    static func request(key: [UInt8], router: String) -> [UInt8] {
        let vars: [(String, [UInt8])] = [
            ("REQUEST_METHOD", Array("GET".utf8)), ("REQUEST_URI", Array("/".utf8)), ("PATH_INFO", Array("/".utf8)),
            ("QUERY_STRING", []), ("SERVER_PROTOCOL", Array("HTTP/1.0".utf8)), ("SERVER_NAME", Array("fleetrouter".utf8)),
            ("SERVER_PORT", Array("0".utf8)), ("REMOTE_ADDR", Array("127.0.0.1".utf8)), ("HTTP_HOST", key),
            ("FLEETROUTER_KEY", key), ("FLEETROUTER_ROUTER", Array(router.utf8)),
        ]
        var body: [UInt8] = []
        for (name, value) in vars {
            // Keys reach here at most 4096 bytes long (`CodeLookupStateMachine.Limits`).
            append16(UInt16(clamping: name.utf8.count), to: &body)
            body += name.utf8
            append16(UInt16(clamping: value.count), to: &body)
            body += value.prefix(Int(UInt16.max))
        }
        var packet: [UInt8] = [0]
        append16(UInt16(clamping: body.count), to: &packet)
        packet.append(0)
        return packet + body
    }

    /// The resolver's answer, read to its end.
    static func parseResponse(_ bytes: [UInt8]) throws(CodeResolverError) -> CodeRoute {
        guard bytes.count <= maximumResponse else {
            throw .invalidAnswer("answer over \(maximumResponse) bytes")
        }
        guard let headEnd = find([13, 10, 13, 10], in: bytes) else {
            throw .invalidAnswer(bytes.isEmpty ? "the resolver closed without answering" : "no complete HTTP head in the answer")
        }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), statusParts[1].utf8.count == 3,
              let status = Int(statusParts[1]) else {
            throw .invalidAnswer("status line \"\(lines[0].prefix(80))\"; HTTP/1.x NNN expected")
        }
        var ttl: Duration = .zero
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            guard line[..<colon].lowercased() == "cache-control" else { continue }
            for directive in line[line.index(after: colon)...].split(separator: ",") {
                let parts = directive.split(separator: "=", maxSplits: 1).map { String($0).codeTrimmed }
                if parts.count == 2, parts[0].lowercased() == "max-age" {
                    // At most 9 digits: no overflow, and the machine caps the TTL anyway.
                    guard parts[1].utf8.count <= 9, let seconds = Int64(parts[1]), seconds >= 0 else {
                        throw .invalidAnswer("Cache-Control max-age \"\(parts[1].prefix(20))\"; 0...999999999 expected")
                    }
                    ttl = .seconds(seconds)
                }
            }
        }
        switch status {
        case 200: return try CodeRoute(parsing: bytes[(headEnd + 4)...], ttl: ttl)
        case 404: return CodeRoute(node: nil, ttl: ttl)
        default: throw .failed("the resolver answered status \(status)")
        }
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
