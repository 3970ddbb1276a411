import FleetModel
import RouterWire

/// How one edit reaches one router, decided from its endpoint and latest stats document
/// alone (no I/O): an admin API call for fleetrouter, a subscription packet for what a real
/// uWSGI router accepts from outside, or a refusal with the reason the
/// dashboard shows.
public enum EditRoute: Sendable, Hashable {
    /// Send `request` to fleetrouter's admin API at `address`, narrowed to `scope`.
    case admin(AdminRequest, address: StatsAddress, scope: AdminScope)
    /// Send `packet` to a uWSGI router's subscription server; the router keeps the effect only
    /// until the node's next announce, as `temporaryReason` says.
    case subscriptionPacket(SubscriptionPacket, server: StatsAddress, temporaryReason: String)
    /// The edit cannot be made on this router.
    case refused(reason: String)

    /// Plans `edit` for the router at `endpoint` whose latest stats are `document`; `reach`
    /// widens a fleetrouter edit to every router of its process (fleet-wide actions only).
    public static func plan(
        _ edit: FleetEdit, endpoint: RouterEndpoint, document: StatsDocument, reach: EditReach = .chosenRouter
    ) -> EditRoute {
        if let problem = edit.validationError { return .refused(reason: problem) }
        let availability = RouterCapabilities(document: document, endpoint: endpoint, readOnly: false).availability(of: edit)
        if case let .unavailable(reason) = availability { return .refused(reason: reason) }
        switch RouterFlavor(document: document) {
        case .fleetrouter:
            return planAdmin(edit, endpoint: endpoint, document: document, reach: reach)
        case .uwsgi:
            return planSubscription(edit, endpoint: endpoint, document: document, temporary: availability.reason)
        }
    }

    private static func planAdmin(
        _ edit: FleetEdit, endpoint: RouterEndpoint, document: StatsDocument, reach: EditReach
    ) -> EditRoute {
        guard let request = AdminRequest(edit) else {
            return .refused(reason: "expand \(edit) into per-router edits first")
        }
        let scope: AdminScope
        switch reach {
        case .everyRouterOfProcess:
            scope = .everyRouter
        case .chosenRouter:
            // The router's own name in its process; `kind` is the same word for a fleetrouter
            // that predates `admin_router`.
            guard let name = document.adminRouter ?? document.kind, !name.isEmpty else {
                return .refused(reason: "the router's stats do not name it (no admin_router or kind), so the edit could reach other routers of its process")
            }
            scope = .router(name)
        }
        if let address = endpoint.admin { return .admin(request, address: address, scope: scope) }
        guard let text = document.admin, !text.isEmpty else {
            return .refused(reason: RouterCapabilities.Reason.noAdmin)
        }
        do {
            return .admin(request, address: try StatsAddress(parsing: text), scope: scope)
        } catch {
            return .refused(reason: "the router's stats give an unusable admin address: \(error)")
        }
    }

    private static func planSubscription(
        _ edit: FleetEdit, endpoint: RouterEndpoint, document: StatsDocument, temporary: String?
    ) -> EditRoute {
        guard let server = endpoint.subscriptionServer else {
            return .refused(reason: RouterCapabilities.Reason.noSubscriptionServer)
        }
        let reason = temporary ?? "uWSGI resets it at the node's next announce"
        switch edit {
        case let .kick(ref):
            guard let key = ref.key else { return .refused(reason: RouterCapabilities.Reason.uwsgiStaticNode) }
            // Only key and address identify the node; byte 3 = 1 asks for its removal.
            let packet = SubscriptionPacket(command: .unsubscribe(1), key: key, address: ref.address)
            return .subscriptionPacket(packet, server: server, temporaryReason: reason)
        case let .setWeight(ref, weight):
            guard let key = ref.key else { return .refused(reason: RouterCapabilities.Reason.uwsgiStaticNode) }
            let slot = document.subscriptions?.first { $0.key == key }
            guard let node = slot?.nodes.first(where: { $0.name == ref.address }) else {
                return .refused(reason: "no node \(ref) in the router's latest stats")
            }
            // A refresh must look like the node's own announce (§2.3 order), with only the
            // weight changed; modifier1/2 are ignored on refresh but uWSGI senders always send them.
            let packet = SubscriptionPacket(
                command: .subscribe, key: key, address: ref.address,
                modifier1: UInt8(truncatingIfNeeded: node.modifier1), modifier2: UInt8(truncatingIfNeeded: node.modifier2),
                cores: node.cores, load: node.load, weight: weight, backup: node.backup
            )
            return .subscriptionPacket(packet, server: server, temporaryReason: reason)
        case .drain, .undrain, .clearWeight, .setCheap, .drainEverywhere, .addStatic, .removeStatic, .kickSession:
            // Capabilities already refuse these for uWSGI; kept total for safety.
            return .refused(reason: "uWSGI accepts only kick and a temporary weight from outside")
        }
    }
}

extension AdminRequest {
    /// The admin API call for a per-router edit; nil for `drainEverywhere`, which must be
    /// expanded first. `clearWeight` is a weight of null.
    public init?(_ edit: FleetEdit) {
        switch edit {
        case let .drain(ref): self = .drain(ref)
        case let .undrain(ref): self = .undrain(ref)
        case let .kick(ref): self = .kick(ref)
        case let .setWeight(ref, weight): self = .setWeight(ref, weight: weight)
        case let .clearWeight(ref): self = .setWeight(ref, weight: nil)
        case let .setCheap(mode): self = .setCheap(mode)
        case let .addStatic(address): self = .addStatic(address: address)
        case let .removeStatic(address): self = .removeStatic(address: address)
        case let .kickSession(pid): self = .kickSession(pid: pid)
        case .drainEverywhere: return nil
        }
    }
}
