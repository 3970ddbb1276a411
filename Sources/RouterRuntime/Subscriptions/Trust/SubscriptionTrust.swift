import NIOCore
import RouterConfig
import RouterWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a router trusts of its subscription datagrams, as configured: which senders
/// (`--subscription-allow`), which node addresses (`--subscription-allow-node`), signatures
/// (`--subscriptions-sign-check`, `--subscriptions-sign-skip-uid`) and unix credentials
/// (`--subscriptions-credentials-check`). The default trusts everything, as uWSGI does.
public struct SubscriptionTrust: Sendable {
    /// Sender networks allowed (empty: any). Unix datagram senders are local and are governed
    /// by the socket's mode and credentials instead.
    public var allowedSources: [AddressRange] = []
    /// Node address rules (empty: any).
    public var allowedNodes: [NodeAddressRule] = []
    /// Signature verification, when configured.
    public var signatures: SubscriptionSignatureCheck?
    /// Senders (by unix credentials) that need no signature.
    public var signSkipUIDs: Set<UInt32> = []
    /// `--subscriptions-credentials-check` directories (the key is appended as-is).
    public var credentialDirectories: [String] = []

    /// Creates a policy that trusts every datagram.
    public init() {}

    /// True when anyone who can reach the server can steer routing: no signing, no sender
    /// allow-list and no node allow-list.
    public var isOpen: Bool { allowedSources.isEmpty && allowedNodes.isEmpty && signatures == nil && credentialDirectories.isEmpty }

    /// True when `check(_:datagram:)` needs the decoded packet: a node allow-list, credentials
    /// or signatures are configured. Otherwise it takes every packet as unsigned, so a
    /// re-announce may be applied without decoding it (`SubscriptionRefresh`).
    public var checksPackets: Bool { !allowedNodes.isEmpty || !credentialDirectories.isEmpty || signatures != nil }

    /// Checks one datagram before it is decoded: its sender.
    public func checkSender(_ datagram: SubscriptionDatagram) throws(SubscriptionDropped) {
        guard !allowedSources.isEmpty, let sender = datagram.sender, AddressRange.bytes(of: sender) != nil else { return }
        guard allowedSources.contains(where: { $0.contains(sender) }) else {
            throw SubscriptionDropped(.source, "sender \(sender) is outside every --subscription-allow range")
        }
    }

    /// Checks a decoded packet; returns true when it was verified as signed (so the table must
    /// see its `unix` stamp as new for the node).
    public func check(_ packet: SubscriptionPacket, datagram: SubscriptionDatagram) throws(SubscriptionDropped) -> Bool {
        if case .subscribe = packet.command, !allowedNodes.isEmpty,
           let problem = NodeAddressRule.refusal(of: packet.address, rules: allowedNodes) {
            throw SubscriptionDropped(.nodeAddress, "key \(packet.key): \(problem)")
        }
        if !credentialDirectories.isEmpty { try checkCredentials(packet, datagram.credentials) }
        guard let signatures else { return false }
        if let credentials = datagram.credentials, signSkipUIDs.contains(credentials.uid) { return false }
        try signatures.verify(packet, datagram: datagram.bytes)
        return true
    }

    /// uWSGI's rule: the file DIR+key exists and is owned by the sender's uid and gid, for at
    /// least one DIR. Keys with a `/` are refused, so a key cannot name a file elsewhere.
    private func checkCredentials(_ packet: SubscriptionPacket, _ credentials: PeerCredentials?) throws(SubscriptionDropped) {
        guard let credentials else {
            throw SubscriptionDropped(.credentials, "key \(packet.key): no sender credentials (use a unix subscription socket with --subscriptions-use-credentials)")
        }
        guard !packet.key.contains("/"), !packet.key.isEmpty else {
            throw SubscriptionDropped(.credentials, "key \(packet.key): keys with / cannot be checked against a credentials directory")
        }
        for directory in credentialDirectories {
            var info = stat()
            guard stat(directory + packet.key, &info) == 0 else { continue }
            if info.st_uid == credentials.uid && info.st_gid == credentials.gid { return }
        }
        throw SubscriptionDropped(.credentials, "key \(packet.key): sender \(credentials) owns no matching file in \(credentialDirectories.joined(separator: ", "))")
    }
}
