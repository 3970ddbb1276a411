import RouterWire

extension RouterEndpoint {
    /// The admin address an edit to this router would take from `document` and send the token
    /// to, when that address was learned from the stats rather than configured: the address the
    /// operator must confirm first (whoever controls the stats document could name their own
    /// listener). Nil when no token would be sent (no token file), the admin address is
    /// configured, the router is not a fleetrouter, or its stats name no usable address.
    public func learnedAdminAddress(in document: StatsDocument) -> StatsAddress? {
        guard tokenFile != nil, admin == nil, RouterFlavor(document: document) == .fleetrouter,
              let text = document.admin, !text.isEmpty else { return nil }
        return try? StatsAddress(parsing: text)
    }
}
