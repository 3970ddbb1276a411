import RouterConfig

extension SubscriptionTrust {
    /// The trust policy the process-wide options configure.
    init(configuration: RouterConfiguration) throws(FleetRouterError) {
        self.init()
        allowedSources = configuration.subscriptionAllow
        allowedNodes = configuration.subscriptionAllowNode
        credentialDirectories = configuration.credentialsCheckDirectories
        signSkipUIDs = Set(configuration.signSkipUIDs.compactMap { UInt32(exactly: $0) })
        if let sign = configuration.signCheck {
            let digest: SubscriptionSignatureCheck.Digest
            do {
                digest = try SubscriptionSignatureCheck.Digest(name: sign.digest)
            } catch {
                throw .unsupported(option: "--subscriptions-sign-check \(sign.digest):\(sign.directory)", reason: error.description)
            }
            signatures = SubscriptionSignatureCheck(
                digest: digest, directory: sign.directory, toleranceSeconds: Int64(configuration.signCheckTolerance))
        }
    }

    /// The start-up warning for a subscription server reachable beyond loopback that trusts
    /// every datagram; nil when it is loopback-only, unix-only or restricted.
    static func exposureWarning(listeners: [SocketAddressSpec], trust: SubscriptionTrust) -> String? {
        guard trust.signatures == nil, trust.allowedSources.isEmpty, trust.allowedNodes.isEmpty else { return nil }
        let exposed = listeners.filter { spec in
            guard case .inet = spec.kind, let address = try? spec.resolved(), let bytes = AddressRange.bytes(of: address) else {
                return false
            }
            let loopback = [try? AddressRange(parsing: "127.0.0.0/8"), try? AddressRange(parsing: "::1")].compactMap { $0 }
            return !loopback.contains { $0.contains(bytes) }
        }
        guard !exposed.isEmpty else { return nil }
        return "subscription server \(exposed.map(\.configured).joined(separator: ", ")) is reachable beyond loopback and trusts every datagram: "
            + "anyone who can send it a UDP packet can add nodes to any key, pointing traffic at any host or unix socket this router can reach, "
            + "and remove nodes; restrict it with --subscriptions-sign-check, --subscription-allow or --subscription-allow-node"
    }
}
