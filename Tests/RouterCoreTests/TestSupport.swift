import RouterCore
import RouterCoreTesting
import Testing
import RouterWire

/// A subscribe (or unsubscribe) packet with the fields the tests vary.
func packet(
    _ key: String, _ address: String, weight: UInt64? = nil, backup: UInt64? = nil,
    modifier1: UInt8? = nil, cores: UInt64? = nil, load: UInt64? = nil, unsubscribe: Bool = false
) -> SubscriptionPacket {
    SubscriptionPacket(
        command: unsubscribe ? .unsubscribe(1) : .subscribe, key: key, address: address,
        modifier1: modifier1, cores: cores, load: load, weight: weight, backup: backup)
}

/// A router with a subscription server on a manual clock.
func subscriptionRouter(
    _ configure: (inout RoutingConfiguration) -> Void = { _ in }
) throws -> (RouterState, ManualClock) {
    var configuration = RoutingConfiguration()
    configuration.subscriptionServer = true
    configure(&configuration)
    let clock = ManualClock()
    return (try RouterState(configuration: configuration, clock: clock), clock)
}

extension RouterState {
    /// Routes without collecting events.
    mutating func pick(_ key: RouteKey, client: ClientAddress? = nil) -> RouteTarget? {
        var events: [RouterEvent] = []
        return route(key: key, client: client, events: &events)
    }

    /// Routes `count` times, releasing each pick at once, and counts picks per address.
    mutating func distribution(_ key: RouteKey, count: Int) -> [String: Int] {
        var result: [String: Int] = [:]
        for _ in 0..<count {
            guard let target = pick(key) else { continue }
            result[target.address, default: 0] += 1
            _ = release(target)
        }
        return result
    }

    /// The node `address` under `key`.
    func node(_ key: RouteKey, _ address: String) -> SubscriptionNode? {
        table.slot(for: key)?.node(address: address)
    }
}

/// Applies packets, failing the test on a refusal.
extension RouterState {
    mutating func subscribe(_ packets: SubscriptionPacket...) throws {
        for item in packets { _ = try apply(item) }
    }
}

extension RouterState {
    /// Routes once and fails the test when no node is found.
    mutating func mustPick(_ key: RouteKey, client: ClientAddress? = nil) throws -> RouteTarget {
        let target = pick(key, client: client)
        return try #require(target, "no node for \(key)")
    }
}
