import NIOCore
import RouterWire

/// The rarely used `--http-*` behaviours: the PROXY v1 line and stud prefix before the first
/// head, the raw-relay rules (`--http-raw-body`, `--http-manage-source`, `--http-manage-rtsp`),
/// `--http-manage-expect` and `--http-auto-gzip`. Each is reached through one check that is
/// false when its option is off, so the common path pays nothing per byte.
extension HTTPConnectionStateMachine {
    /// `HTTP/1.1 100 Continue`, written before the node is connected.
    static let continueResponse = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")
    /// uWSGI's answer to a body over `--http-manage-expect N`.
    static let expectTooLarge = ByteBuffer(staticString: "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    /// The header lines inserted when gzipping starts (uWSGI keeps `uWSGI-Encoding` too).
    static let gzipHeaders = ByteBuffer(staticString: "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n")

    /// What the request rules decided for one head.
    enum RequestRules {
        /// `raw`: relay both ways untouched; `key`: the RTSP URI's host, replacing the Host key;
        /// `continueFirst`: answer `100 Continue` before connecting; `gzip`: scan the response
        /// for `uWSGI-Encoding: gzip`.
        case apply(raw: Bool, key: Range<Int>?, continueFirst: Bool, gzip: Bool)
        /// The request is answered here and the connection ends.
        case refuse(Action)
    }

    /// Applies the request rules to a parsed head whose bytes are still in `inbound`.
    func applyRequestRules(_ head: HTTPRequestHead, method: ByteBufferView?) -> RequestRules {
        var raw = configuration.rawBody
        if configuration.manageSource, let method, method.elementsEqual("SOURCE".utf8) { raw = true }
        var key: Range<Int>?
        if head.version == .rtsp {
            raw = true
            key = head.rtspHost(in: inbound)
        }
        var continueFirst = false
        if head.expectsContinue {
            switch configuration.manageExpect {
            case .off:
                break
            case .answer:
                continueFirst = true
            case .limit(let limit):
                if let length = head.contentLength, length > limit {
                    return .refuse(.answer(Self.expectTooLarge, .expectTooLarge(limit: limit)))
                }
                continueFirst = true
            }
        }
        let gzip = configuration.autoGzip && head.acceptsGzip && !raw
        return .apply(raw: raw, key: key, continueFirst: continueFirst, gzip: gzip)
    }

    /// Reads the connection's preamble from `inbound`: nil once it is consumed (or absent) and
    /// the head can be parsed, `.none` while more bytes are needed, or the answer that ends a
    /// connection whose preamble is malformed.
    mutating func readPreamble() -> Action? {
        switch preamble {
        case .none:
            return nil
        case .proxy:
            // A trusted peer may also send a plain request (uWSGI's rule).
            guard ProxyLine.mayStart(inbound) else {
                preamble = .none
                return nil
            }
            let line: ProxyLine
            do {
                guard let parsed = try ProxyLine.parse(inbound) else { return Action.none }
                line = parsed
            } catch {
                return refusePreamble("\(error)")
            }
            inbound.moveReaderIndex(forwardBy: line.length)
            preamble = .none
            guard let address = line.sourceAddress, let port = line.sourcePort else { return nil }
            return adoptClient(address: address, port: String(port), https: false)
        case .stud(let remotePort):
            guard inbound.readableBytes >= 5 else { return Action.none }
            guard inbound.readInteger(as: UInt8.self) == 2, let a = inbound.readBytes(length: 4) else {
                return refusePreamble("stud prefix of another family than AF_INET")
            }
            preamble = .none
            return adoptClient(address: "\(a[0]).\(a[1]).\(a[2]).\(a[3])", port: remotePort, https: true)
        }
    }

    private mutating func adoptClient(address: String, port: String, https: Bool) -> Action? {
        guard let vars = connectionVars else { return nil }
        do {
            connectionVars = try vars.replacingRemote(address: address, port: port, addingHTTPS: https)
        } catch {
            return refusePreamble("\(error)")
        }
        announcedClient = (address, port)
        return nil
    }

    private mutating func refusePreamble(_ why: String) -> Action {
        state = .closed
        return .answer(HTTPErrorResponse.badRequest, .badPreamble(why))
    }

    /// Starts gzipping a response whose head is complete, when the node asked for it and the
    /// response has no length or encoding of its own; nil leaves the response to the other rules.
    mutating func startGzip(_ info: HTTPResponseHead, bodiless: Bool, head: inout ByteBuffer, _ r: inout Request) -> Action? {
        guard info.wantsGzip, info.isHTTP11, !bodiless, !info.hasContentEncoding, info.contentLength == nil,
              !info.hasTransferEncoding, head.readableBytes >= info.headLength, let encoder = GzipEncoder(),
              let front = head.readSlice(length: info.headLength - 2), let blank = head.readSlice(length: 2)
        else { return nil }
        gzip = encoder
        r.response = .gzip
        if info.connectionClose || info.hasTrailers { r.keepAlive = false }
        let body = head.readableBytes > 0 ? encoder.compress(head) : ByteBuffer()
        return .writeToClient(.head(front: front, inserted: Self.gzipHeaders, blank: blank, body: body, chunked: true))
    }

    /// Ends a gzipped response: its last deflate bytes as a chunk, then the last chunk.
    mutating func finishGzip() -> ByteBuffer {
        let last = gzip?.finish() ?? ByteBuffer()
        gzip = nil
        var out = ByteBuffer()
        if last.readableBytes > 0 {
            out.writeString(String(last.readableBytes, radix: 16))
            out.writeStaticString("\r\n")
            out.writeImmutableBuffer(last)
            out.writeStaticString("\r\n")
        }
        out.writeImmutableBuffer(ChunkEncoder.lastChunk)
        return out
    }
}
