import RouterWire

/// Reads a router stats server (fleetrouter's or a real uWSGI router's): connect, read the
/// JSON document the server writes, until it closes; decode with RouterWire's lenient
/// decoder, the one fleettop uses for both kinds of router.
struct StatsProbe: Sendable {
    /// The stats server.
    let endpoint: Endpoint

    /// One stats document with the bytes it came from.
    struct Reading: Sendable {
        /// The raw JSON as served.
        let bytes: [UInt8]
        /// The decoded document.
        let document: StatsDocument

        /// The raw JSON as text, shortened for failure messages.
        var excerpt: String {
            let text = String(decoding: bytes, as: UTF8.self)
            return text.count > 6000 ? String(text.prefix(6000)) + "…" : text
        }
    }

    /// Reads and decodes one document.
    func read(timeout: Duration = .seconds(5)) throws -> Reading {
        let deadline = ContinuousClock.now + timeout
        let socket = try BlockingSocket.connect(to: endpoint, timeout: timeout)
        let bytes = try socket.receiveToEnd(deadline: deadline)
        do {
            return Reading(bytes: bytes, document: try StatsDocument.decode(lenient: bytes))
        } catch {
            throw InteropError("stats from \(endpoint) do not decode: \(error)\n\(String(decoding: bytes.prefix(4000), as: UTF8.self))")
        }
    }

    /// Polls until `condition` holds. Subscription state changes when a node announces (every
    /// second with `--subscribe-freq 1`) or unsubscribes, so the wait is a bounded number of
    /// reads spaced well below that period; the failure names `what` and shows the last document.
    @discardableResult
    func wait(
        _ what: String, attempts: Int = 50, interval: Duration = .milliseconds(100),
        until condition: (StatsDocument) -> Bool
    ) async throws -> Reading {
        var last: Reading?
        var lastError: (any Error)?
        for attempt in 0..<attempts {
            if attempt > 0 { try await Task.sleep(for: interval) }
            do {
                let reading = try await offload { try read() }
                if condition(reading.document) { return reading }
                last = reading
            } catch let error as SocketError {
                lastError = error
            }
        }
        let shown = last.map(\.excerpt) ?? "no document read: \(lastError.map { "\($0)" } ?? "?")"
        throw InteropError("stats at \(endpoint): \(what) did not happen after \(attempts) reads \(interval) apart; last document:\n\(shown)")
    }
}

extension StatsDocument {
    /// The nodes of the slot `key`, empty when the slot does not exist.
    func nodes(forKey key: String) -> [Node] {
        subscriptions?.first { $0.key == key }?.nodes ?? []
    }

    /// The node `name` in slot `key`.
    func node(_ name: String, key: String = "app.local") -> Node? {
        nodes(forKey: key).first { $0.name == name }
    }

    /// The node names of slot `key`, sorted.
    func nodeNames(forKey key: String = "app.local") -> [String] {
        nodes(forKey: key).map(\.name).sorted()
    }

    /// Every slot key, sorted.
    var slotKeys: [String] { (subscriptions ?? []).map(\.key).sorted() }
}
