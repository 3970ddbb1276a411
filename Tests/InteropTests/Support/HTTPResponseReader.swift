import FoundationEssentials

/// Why a response could not be read.
enum HTTPReadError: Error, CustomStringConvertible {
    /// The peer closed the connection after this many bytes of a response (0: none at all).
    case closed(Endpoint, afterBytes: Int)
    /// The bytes are not an HTTP/1.x response.
    case malformed(Endpoint, String)

    var description: String {
        switch self {
        case .closed(let endpoint, let count): return "connection to \(endpoint) closed after \(count) bytes of a response"
        case .malformed(let endpoint, let what): return "response from \(endpoint): \(what)"
        }
    }
}

/// Incremental parsing of responses from a byte stream: head, then a Content-Length,
/// chunked, or until-close body.
struct HTTPResponseReader {
    private var pending: [UInt8] = []

    /// Reads one response from `socket`, keeping any bytes after it for the next call.
    mutating func read(from socket: BlockingSocket, deadline: ContinuousClock.Instant) throws -> HTTPResponse {
        let headEnd = try fill(socket, deadline: deadline) { Self.find([13, 10, 13, 10], in: $0) }
        let head = String(decoding: pending[..<headEnd], as: UTF8.self)
        pending.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPReadError.malformed(socket.endpoint, "malformed status line '\(statusLine)'")
        }
        var response = HTTPResponse(status: status, statusLine: statusLine, headers: [], body: [])
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw HTTPReadError.malformed(socket.endpoint, "header line without a colon '\(line)'")
            }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            response.headers.append((line[..<colon].lowercased(), String(value)))
        }
        if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw HTTPReadError.malformed(socket.endpoint, "Content-Length '\(lengthText)' is not a number")
            }
            response.body = try take(length, from: socket, deadline: deadline)
        } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let lineEnd = try fill(socket, deadline: deadline) { Self.find([13, 10], in: $0) }
                let sizeText = String(decoding: pending[..<lineEnd], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                    throw HTTPReadError.malformed(socket.endpoint, "bad chunk size '\(sizeText)'")
                }
                pending.removeFirst(lineEnd + 2)
                let chunk = try take(size + 2, from: socket, deadline: deadline)
                if size == 0 { break }
                response.body += chunk.prefix(size)
            }
        } else if status >= 200 && status != 204 && status != 304 {
            response.body = pending + (try socket.receiveToEnd(deadline: deadline))
            pending = []
        }
        return response
    }

    /// Receives until `locate` finds a position in the pending bytes.
    private mutating func fill(
        _ socket: BlockingSocket, deadline: ContinuousClock.Instant, locate: ([UInt8]) -> Int?
    ) throws -> Int {
        while true {
            if let position = locate(pending) { return position }
            let chunk = try socket.receive(deadline: deadline)
            guard !chunk.isEmpty else { throw HTTPReadError.closed(socket.endpoint, afterBytes: pending.count) }
            pending += chunk
        }
    }

    private mutating func take(_ count: Int, from socket: BlockingSocket, deadline: ContinuousClock.Instant) throws -> [UInt8] {
        _ = try fill(socket, deadline: deadline) { $0.count >= count ? count : nil }
        let out = Array(pending[..<count])
        pending.removeFirst(count)
        return out
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
