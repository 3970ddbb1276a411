import RouterRuntime
import RouterWire

/// Subscribes the demo's nodes to the routers' subscription servers with real subscription
/// datagrams, as uWSGI's `--subscribe2` does: once at start, then every `period`.
struct DemoAnnouncer: Sendable {
    /// One node's announce: its key, address and weight.
    struct Subscription: Sendable {
        var key: String
        var node: String
        var weight: UInt64
    }

    var subscriptions: [Subscription]
    var senders: [SubscriptionSender]
    var period: Duration
    /// Says which node is silent for now (its announces are skipped).
    var outage: DemoOutage?

    /// Opens a sender per subscription server (`host:port`, a unix path or `@abstract`).
    init(subscriptions: [Subscription], servers: [String], period: Duration, outage: DemoOutage? = nil) throws {
        self.subscriptions = subscriptions
        self.senders = try servers.map { server throws in try SubscriptionSender(to: SocketAddressSpec(parsing: server)) }
        self.period = period
        self.outage = outage
    }

    /// Sends one announce of every node but the silent one to every server; returns how many were sent.
    @discardableResult
    func announce() -> Int {
        var sent = 0
        let silent = outage?.silentNode
        for (index, subscription) in subscriptions.enumerated() where index != silent {
            let packet = SubscriptionPacket(key: subscription.key, address: subscription.node, modifier1: 0, weight: subscription.weight)
            guard let bytes = try? packet.encoded() else { continue }
            for sender in senders where (try? sender.send(bytes)) != nil { sent += 1 }
        }
        return sent
    }

    /// Announces every `period` until cancelled (the first announce is the caller's).
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            if Task.isCancelled { return }
            announce()
        }
    }
}
