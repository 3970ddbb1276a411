import FleetModel
import NIOCore
import RouterWire

extension NIOFleetControl {
    /// Applies one edit, planning it from the last document this client read from the router
    /// (polling first when there is none).
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome {
        try await apply(edit, to: router, latest: latestDocument(of: router.id), reach: reach)
    }

    /// Applies one edit planned from `latest` (polling first when nil): an admin API call for
    /// fleetrouter naming this router (or, with `.everyRouterOfProcess`, its whole process), a
    /// subscription packet to this uWSGI router's own subscription server, or a refusal.
    /// Throws only when the router's token file cannot be read.
    public func apply(
        _ edit: FleetEdit, to router: RouterEndpoint, latest: StatsDocument?, reach: EditReach = .chosenRouter
    ) async throws(EditError) -> EditOutcome {
        let document: StatsDocument
        if let latest {
            document = latest
        } else {
            switch await poll(router, timeout: configuration.timeout) {
            case .success(let polled): document = polled
            case .failure(let error): return .failed(error: "cannot tell how to edit it: \(error)")
            }
        }
        switch EditRoute.plan(edit, endpoint: router, document: document, reach: reach) {
        case .refused(let reason):
            return .refused(reason: reason)
        case let .admin(request, address, scope):
            return try await callAdmin(request, scope: scope, at: address, router: router)
        case let .subscriptionPacket(packet, server, reason):
            do {
                try DatagramSender.send(try packet.encoded(), to: server)
            } catch let error as AbstractSocket.Failure {
                return .failed(error: "cannot send the subscription packet to \(server): \(error.message)")
            } catch {
                return .failed(error: "cannot encode the subscription packet: \(error)")
            }
            return .appliedTemporarily(reason: reason)
        }
    }

    /// Sends one admin API call and maps the answer.
    func callAdmin(_ request: AdminRequest, scope: AdminScope, at address: StatsAddress, router: RouterEndpoint) async throws(EditError) -> EditOutcome {
        var token: String?
        let tokenAllowed = adminTrust.mayReceiveToken(address, router: router)
        if let path = router.tokenFile, tokenAllowed {
            do {
                token = try TokenFile.load(path)
            } catch {
                switch error {
                case .empty: throw .emptyTokenFile(router: router.id, path: path)
                case .unreadable(let reason): throw .unreadableTokenFile(router: router.id, path: path, reason: reason)
                }
            }
        }
        let target = StreamTarget(address)
        let response: ResponseReadStateMachine.Response
        do {
            response = try await StreamExchange.run(
                target: target, request: AdminExchange.requestBytes(request, scope: scope, host: target.hostHeader, token: token),
                framing: .http, limit: configuration.maximumDocumentSize, timeout: configuration.timeout, group: group
            )
        } catch {
            let failure = PollError(router: router.id, address: address, kind: error.pollErrorKind(timeout: configuration.timeout))
            return .failed(error: "admin API: \(failure.problem) at \(address)")
        }
        let status = response.head?.status ?? 0
        if !tokenAllowed, router.tokenFile != nil, status == 401 || status == 403 {
            return AdminAddressTrust.withheld(address, router: router.id)
        }
        let (outcome, reply) = AdminExchange.outcome(
            status: status, reason: response.head?.reason ?? "", body: response.body, hasToken: token != nil
        )
        if let state = reply?.state { remember(state, for: router.id) }
        return outcome
    }
}
