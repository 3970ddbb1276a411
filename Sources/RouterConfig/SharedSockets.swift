import RouterWire

/// uWSGI's shared sockets (`--shared-socket ADDR`, referred to by router listeners as `=N`).
///
/// uWSGI's master binds them early, before privileges are dropped, and a gateway adopts socket
/// N. fleetrouter binds every listener before it drops privileges anyway (`--uid`/`--gid`), so
/// a `=N` listener is simply the N-th shared socket's address, bound by the router that names
/// it; TCP_DEFER_ACCEPT is not applied to any listener, so the undeferred form is the same.
enum SharedSockets {
    /// Replaces every `=N` listener of `configuration` by shared socket N's address, keeping
    /// its mode; throws for an index no `--shared-socket` was given for, and warns of shared
    /// sockets no listener names (uWSGI would bind them for nothing).
    static func resolve(_ configuration: inout RouterConfiguration, notices: inout [String]) throws(ConfigurationError) {
        let shared = configuration.sharedSockets
        var used = Set<Int>()
        for routerIndex in configuration.routers.indices {
            for listenerIndex in configuration.routers[routerIndex].listeners.indices {
                let listener = configuration.routers[routerIndex].listeners[listenerIndex]
                guard case .sharedSocket(index: let index) = listener.address.endpoint else { continue }
                guard shared.indices.contains(index) else {
                    let given = shared.isEmpty ? "none is given" : "only \(shared.count) (=0…=\(shared.count - 1)) are given"
                    throw ConfigurationError(option: listener.address.configured, source: nil, problem: .invalidConfiguration(
                        reason: "\(listener.address.configured) names --shared-socket number \(index), and \(given)"))
                }
                // One socket, one listener: here each `=N` is bound by its own listener, so a
                // second one would bind the same address again (with SO_REUSEPORT on the lean
                // workers, silently sharing clients between two routers).
                guard used.insert(index).inserted else {
                    throw ConfigurationError(option: listener.address.configured, source: nil, problem: .invalidConfiguration(
                        reason: "--shared-socket number \(index) (\(shared[index].configured)) is already named by another router listener; each =N may be used once"))
                }
                configuration.routers[routerIndex].listeners[listenerIndex].address = shared[index]
            }
        }
        for (index, address) in shared.enumerated() where !used.contains(index) {
            notices.append("warning: --shared-socket \(address) (=\(index)) is named by no router listener; it is not bound")
        }
    }
}
