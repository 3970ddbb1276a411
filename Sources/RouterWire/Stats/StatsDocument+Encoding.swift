import NIOCore

// Key order: uWSGI's keys in uWSGI's order, each object's Fleettop keys
// after its uWSGI keys. At the top level Fleettop's keys go just before `cheap`, so `cheap`
// stays the last key as §3.2 promises uWSGI-style readers; tuntap documents have no `cheap`
// and end with Fleettop's keys.
extension StatsDocument {
    /// The document as strict JSON in uWSGI's key order (`.pretty` reproduces uWSGI's layout
    /// byte for byte for a document uWSGI could have written).
    public func encodeJSON(style: JSONStyle = .compact) -> [UInt8] {
        var writer = JSONWriter(style: style, reservingCapacity: estimatedSize)
        write(to: &writer)
        return writer.bytes
    }

    /// Appends the document as strict JSON to `buffer`.
    public func encodeJSON(into buffer: inout ByteBuffer, style: JSONStyle = .compact) {
        buffer.writeBytes(encodeJSON(style: style))
    }

    private var estimatedSize: Int {
        let nodes = (subscriptions ?? []).reduce(0) { $0 + $1.nodes.count } + (staticNodes?.count ?? 0)
        return 512 + nodes * 512 + (sessions?.count ?? 0) * 160 + (peers?.count ?? 0) * 160
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("version", version)
        writer.member("pid", pid)
        writer.member("uid", uid)
        writer.member("gid", gid)
        writer.member("cwd", cwd)
        writer.member("active_sessions", activeSessions)
        if let listeners {
            writer.key(listeners.routerName)
            writer.beginArray(flushLeft: true)
            for address in listeners.addresses { writer.value(address) }
            writer.endArray()
        }
        if let staticNodes {
            writer.key("static_nodes")
            writer.beginArray()
            for node in staticNodes { node.write(to: &writer) }
            writer.endArray()
        }
        if let subscriptions {
            writer.key("subscriptions")
            writer.beginArray()
            for slot in subscriptions { slot.write(to: &writer) }
            writer.endArray()
        }
        if let peers {
            writer.key("peers")
            writer.beginArray()
            for peer in peers { peer.write(to: &writer) }
            writer.endArray()
        }
        writer.member("kind", kind)
        writer.member("admin", admin)
        writer.member("admin_router", adminRouter)
        writer.member("cheap_mode", cheapMode?.rawValue)
        writer.member("refused_connections", refusedConnections)
        if let tuntapFirewall {
            writer.key("firewall")
            writer.beginObject()
            for (name, rules) in [("in", tuntapFirewall.inbound), ("out", tuntapFirewall.outbound), ("routes", tuntapFirewall.routes)] {
                writer.key(name)
                writer.beginArray()
                for rule in rules { writer.value(rule) }
                writer.endArray()
            }
            writer.endObject()
        }
        if let subscriptionDrops {
            writer.key("subscription_drops")
            writer.beginObject()
            for (reason, count) in subscriptionDrops.sorted(by: { $0.key < $1.key }) {
                writer.member(reason, count)
            }
            writer.endObject()
        }
        if let tls {
            writer.key("tls")
            tls.write(to: &writer)
        }
        if let sessions {
            writer.key("sessions")
            writer.beginArray()
            for session in sessions { session.write(to: &writer) }
            writer.endArray()
        }
        writer.member("cheap", cheap)
        writer.endObject()
    }
}

extension StatsDocument.OperatorFields {
    func write(to writer: inout JSONWriter) {
        writer.member("state", state?.rawValue)
        writer.member("drain", drain)
        writer.member("operator_weight", operatorWeight)
    }
}

extension StatsDocument.StaticNode {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("name", name)
        writer.member("hits", hits)
        writer.member("grace", grace)
        operatorFields.write(to: &writer)
        writer.endObject()
    }
}

extension StatsDocument.Slot {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("key", key)
        writer.member("hash", hash)
        writer.member("hits", hits)
        writer.member("sni_enabled", sniEnabled)
        writer.member("algo", algo)
        writer.key("nodes")
        writer.beginArray()
        for node in nodes { node.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

extension StatsDocument.Node {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("name", name)
        writer.member("vassal", vassal)
        writer.member("modifier1", modifier1)
        writer.member("modifier2", modifier2)
        writer.member("last_check", lastCheck)
        writer.member("pid", pid)
        writer.member("uid", uid)
        writer.member("gid", gid)
        writer.member("requests", requests)
        writer.member("last_requests", lastRequests)
        writer.member("tx", tx)
        writer.member("rx", rx)
        writer.member("cores", cores)
        writer.member("load", load)
        writer.member("weight", weight)
        writer.member("backup", backup)
        writer.member("proto", proto)
        writer.member("wrr", wrr)
        writer.member("ref", ref)
        writer.member("failcnt", failcnt)
        writer.member("death_mark", deathMark)
        operatorFields.write(to: &writer)
        writer.endObject()
    }
}

extension StatsDocument.TuntapPeer {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("addr", addr)
        writer.member("addr_32", addr32)
        writer.member("uid", uid)
        writer.member("gid", gid)
        writer.member("pid", pid)
        writer.member("tx", tx)
        writer.member("rx", rx)
        writer.member("dropped", dropped)
        writer.member("tx_packets", txPackets)
        writer.member("rx_packets", rxPackets)
        writer.endObject()
    }
}

extension StatsDocument.Session {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("client", client)
        writer.member("key", key)
        writer.member("node", node)
        writer.member("age", age)
        writer.member("tx", tx)
        writer.member("rx", rx)
        writer.member("state", state)
        writer.member("pid", pid)
        writer.member("command", command)
        writer.endObject()
    }
}
