import RouterWire

/// One live session of a fleetrouter, for the Connections screen.
public struct SessionRow: Sendable, Hashable, Identifiable, Searchable {
    /// Position in the router's list (sessions have no identity of their own).
    public var id: Int
    /// The session as the router reported it.
    public var session: StatsDocument.Session

    /// Client, key, node and phase.
    public var searchFields: [String] { [session.client, session.key, session.node, session.state] }

    /// `client`, `key`, `node` and `state` for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        switch field {
        case "client": return [session.client]
        case "key": return [session.key]
        case "node", "addr", "address": return [session.node]
        case "state": return [session.state]
        default: return nil
        }
    }
}

/// The Connections screen's columns.
public enum SessionColumn: String, TableColumn {
    /// Client address.
    case client
    /// Routing key.
    case key
    /// Node address.
    case node
    /// Age in seconds.
    case age
    /// Bytes to the client.
    case tx
    /// Bytes from the client.
    case rx
    /// Session phase.
    case state

    /// The column header.
    public var title: String {
        switch self {
        case .client: return "CLIENT"
        case .key: return "KEY"
        case .node: return "NODE"
        case .age: return "AGE"
        case .tx: return "TX"
        case .rx: return "RX"
        case .state: return "STATE"
        }
    }

    /// The row's value in this column.
    public func sortKey(_ row: SessionRow) -> SortKey {
        switch self {
        case .client: return .text(row.session.client)
        case .key: return .text(row.session.key)
        case .node: return row.session.node.isEmpty ? .missing : .text(row.session.node)
        case .age: return .number(row.session.age)
        case .tx: return .number(row.session.tx)
        case .rx: return .number(row.session.rx)
        case .state: return .text(row.session.state)
        }
    }
}

extension RouterEntry {
    /// The router's live sessions (empty for uWSGI routers, which do not list them).
    public var sessionRows: [SessionRow] {
        (latest?.sessions ?? []).enumerated().map { SessionRow(id: $0.offset, session: $0.element) }
    }
}
