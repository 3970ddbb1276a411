import FleetModel
import NIOCore
import RouterWire

/// What a `/v1/cache` call on fleetrouter's admin API answered.
public enum CacheCallResult: Sendable, Hashable {
    /// `GET /v1/cache`: every cache of the process with its items.
    case listed(CacheListing)
    /// A set or delete, or a list the router refused or failed.
    case outcome(EditOutcome)
}

extension NIOFleetControl {
    /// Sends one cache call (`.listCache`, `.setCacheItem`, `.deleteCacheItem`) to the admin
    /// API at `address`, with the bearer token read from `tokenFile`. The address is the
    /// operator's own (`--admin`), so the token goes there without the stats-learned trust
    /// check of `apply`. Throws only when the token file cannot be read.
    public func callCache(_ request: AdminRequest, at address: StatsAddress, tokenFile: String?) async throws(EditError) -> CacheCallResult {
        var token: String?
        if let tokenFile {
            do {
                token = try TokenFile.load(tokenFile)
            } catch {
                let router = RouterID(address.description)
                switch error {
                case .empty: throw .emptyTokenFile(router: router, path: tokenFile)
                case .unreadable(let reason): throw .unreadableTokenFile(router: router, path: tokenFile, reason: reason)
                }
            }
        }
        let target = StreamTarget(address)
        let response: ResponseReadStateMachine.Response
        do {
            response = try await StreamExchange.run(
                target: target, request: AdminExchange.requestBytes(request, scope: nil, host: target.hostHeader, token: token),
                framing: .http, limit: configuration.maximumDocumentSize, timeout: configuration.timeout, group: group)
        } catch {
            let failure = PollError(router: RouterID(address.description), address: address, kind: error.pollErrorKind(timeout: configuration.timeout))
            return .outcome(.failed(error: "admin API: \(failure.problem) at \(address)"))
        }
        let status = response.head?.status ?? 0
        if case .listCache = request, status == 200 {
            do {
                return .listed(try CacheListing(json: response.body.readableBytesView))
            } catch {
                return .outcome(.failed(error: "the cache listing from \(address) does not parse: \(error)"))
            }
        }
        let (outcome, _) = AdminExchange.outcome(status: status, reason: response.head?.reason ?? "", body: response.body, hasToken: token != nil)
        return .outcome(outcome)
    }
}
