import RouterCore
import RouterWire

/// The `/metrics` families of a fleetrouter process: per router (label `router`) its routing
/// counters, sessions and subscription datagrams; per node (labels `router`, `key`, `node`;
/// `key` is empty for static nodes) requests, bytes, references, failures and drain; the TLS
/// families (`FleetMetrics+TLS.swift`) for routers with TLS listeners.
enum FleetMetrics {
    /// One router's figures, read at one moment.
    private struct RouterFigures {
        var name: String
        var counters: RouterCounters
        var datagrams: SubscriptionCounters.Snapshot
        var activeSessions: UInt64
        var refused: (data: UInt64, stats: UInt64)
        var cheap: Bool
        var nodes: [NodeFigures]
    }

    /// One node's figures.
    private struct NodeFigures {
        var key: String
        var node: String
        var requests: UInt64
        var tx: UInt64
        var rx: UInt64
        var ref: UInt64
        /// nil for static nodes, which keep no failure count (only a grace mark).
        var failcnt: UInt64?
        var drain: Bool
    }

    /// Appends every family for `engines`.
    static func write(_ engines: [RouterEngine], admin: ConnectionLimit? = nil, to text: inout MetricSamples) async {
        var routers: [RouterFigures] = []
        for engine in engines {
            let active = (try? await engine.liveSessions().count) ?? 0
            let refused = engine.refusedConnections
            let figures = engine.withState { state in
                RouterFigures(
                    name: engine.name, counters: state.counters, datagrams: engine.subscriptionCounts,
                    activeSessions: UInt64(active), refused: refused, cheap: state.isCheap, nodes: nodes(of: state))
            }
            routers.append(figures)
        }
        let perRouter: [(String, MetricSamples.Kind, String, (RouterFigures) -> UInt64)] = [
            ("fleetrouter_lookups_total", .counter, "Node lookups by the router's mapper, retries included.", { $0.counters.lookups }),
            ("fleetrouter_requests_total", .counter, "Successful connects to a node (requests routed).", { $0.counters.connects }),
            ("fleetrouter_connect_failures_total", .counter, "Failed connects to a node.", { $0.counters.connectFailures }),
            ("fleetrouter_retries_total", .counter, "Retries after a failed connect.", { $0.counters.retries }),
            ("fleetrouter_no_key_total", .counter, "Requests refused for carrying no routing key.", { $0.counters.noKey }),
            ("fleetrouter_no_node_total", .counter, "Requests refused because no node serves the key.", { $0.counters.noNode }),
            ("fleetrouter_retries_exhausted_total", .counter, "Requests refused after every permitted attempt failed.", { $0.counters.retriesExhausted }),
            ("fleetrouter_active_sessions", .gauge, "Client sessions open now.", { $0.activeSessions }),
            ("fleetrouter_cheap", .gauge, "1 while the router is cheap (not accepting).", { $0.cheap ? 1 : 0 }),
            ("fleetrouter_subscription_datagrams_received_total", .counter, "Subscription datagrams read.", { UInt64($0.datagrams.received) }),
            ("fleetrouter_subscription_datagrams_rejected_total", .counter, "Subscription datagrams refused (malformed, oversize or invalid).", { UInt64($0.datagrams.rejected) }),
            ("fleetrouter_subscription_datagrams_overflowed_total", .counter, "Subscription datagrams the kernel dropped at a full socket queue, never read (a coalesced run dropped whole counts once).", { UInt64($0.datagrams.overflowed) }),
        ]
        for (name, kind, help, value) in perRouter {
            text.family(name, kind, help: help)
            for router in routers { text.sample(name, labels: ["router": router.name], value: value(router)) }
        }
        let refusedName = "fleetrouter_connections_refused_total"
        text.family(refusedName, .counter, help: "Clients closed at accept because the listener had its connection cap open.")
        for router in routers {
            text.sample(refusedName, labels: ["router": router.name, "listener": "data"], value: router.refused.data)
            text.sample(refusedName, labels: ["router": router.name, "listener": "stats"], value: router.refused.stats)
        }
        if let admin {
            text.sample(refusedName, labels: ["router": "", "listener": "admin"], value: admin.refused)
        }
        let dropped = "fleetrouter_subscription_datagrams_dropped_total"
        text.family(dropped, .counter, help: "Subscription datagrams dropped by the trust checks or the table's limits, by reason.")
        for router in routers {
            for reason in SubscriptionDropReason.allCases {
                text.sample(dropped, labels: ["router": router.name, "reason": reason.rawValue],
                            value: UInt64(router.datagrams.dropped[reason] ?? 0))
            }
        }
        let perNode: [(String, MetricSamples.Kind, String, (NodeFigures) -> UInt64?)] = [
            ("fleetrouter_node_requests_total", .counter, "Requests routed to the node.", { $0.requests }),
            ("fleetrouter_node_tx_bytes_total", .counter, "Bytes read from the node.", { $0.tx }),
            ("fleetrouter_node_rx_bytes_total", .counter, "Bytes written to the node.", { $0.rx }),
            ("fleetrouter_node_ref", .gauge, "Sessions holding the node now.", { $0.ref }),
            ("fleetrouter_node_failures_total", .counter, "Times the node was marked failed.", { $0.failcnt }),
            ("fleetrouter_node_drain", .gauge, "1 when the operator drained the node.", { $0.drain ? 1 : 0 }),
        ]
        for (name, kind, help, value) in perNode {
            text.family(name, kind, help: help)
            for router in routers {
                for node in router.nodes {
                    guard let figure = value(node) else { continue }
                    text.sample(name, labels: ["router": router.name, "key": node.key, "node": node.node], value: figure)
                }
            }
        }
        writeTLS(engines, to: &text)
        writeCode(engines, to: &text)
    }

    private static func nodes(of state: RouterState) -> [NodeFigures] {
        var out: [NodeFigures] = []
        for slot in state.table.orderedSlots {
            for node in slot.nodes {
                out.append(NodeFigures(
                    key: slot.key.string, node: node.address, requests: node.requests, tx: node.tx, rx: node.rx,
                    ref: node.ref, failcnt: node.failcnt, drain: node.drain))
            }
        }
        for node in state.staticNodes.nodes {
            out.append(NodeFigures(
                key: "", node: node.address, requests: node.hits, tx: node.tx, rx: node.rx,
                ref: node.ref, failcnt: nil, drain: node.drain))
        }
        return out
    }
}
