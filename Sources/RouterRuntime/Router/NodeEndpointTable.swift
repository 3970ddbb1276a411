/// Node addresses parsed into endpoints once, when the node becomes known (a static node or
/// fallback at start, a subscription when it is announced, a computed mapper's address on its
/// first use), and kept with the routing state: a request's node then costs one dictionary
/// lookup under the lock routing already holds, never a parse.
///
/// Only numeric and unix addresses are kept. Host names stay with `NodeResolver`, which
/// resolves and refreshes them off the data plane.
struct NodeEndpointTable {
    /// The most addresses kept; past it the table starts again (a node dropped that way is
    /// parsed again on its next use).
    static let capacity = 4096

    private var endpoints: [String: NodeEndpoint] = [:]

    /// Addresses kept.
    var count: Int { endpoints.count }

    /// The endpoint parsed for `address`, if kept.
    subscript(address: String) -> NodeEndpoint? { endpoints[address] }

    /// Keeps `endpoint` under its name, unless one is kept already.
    mutating func insert(_ endpoint: NodeEndpoint) {
        guard endpoints[endpoint.name] == nil else { return }
        if endpoints.count >= Self.capacity { endpoints.removeAll(keepingCapacity: true) }
        endpoints[endpoint.name] = endpoint
    }
}
