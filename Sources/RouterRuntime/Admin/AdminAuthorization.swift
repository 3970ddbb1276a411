import NIOHTTP1

/// The admin API's authorisation rule as a pure function: reads are open, edits need the
/// bearer token unless the request came over a private unix socket.
public enum AdminAuthorization {
    /// The outcome for one request.
    public enum Decision: Sendable, Equatable {
        /// Pass the call to the handler, with this `authenticated` flag.
        case allow(authenticated: Bool)
        /// 401 with `WWW-Authenticate: Bearer`: an edit without a bearer token.
        case unauthorized
        /// 403: an edit with a token that does not match.
        case forbidden
    }

    /// True for GET and HEAD, the methods that never change state.
    public static func isRead(_ method: HTTPMethod) -> Bool {
        method == .GET || method == .HEAD
    }

    /// Decides for one request.
    /// - Parameters:
    ///   - method: the request method.
    ///   - authorization: the `Authorization` header value, if present.
    ///   - token: the configured token (nil when none is configured: then only a private
    ///     unix socket may edit).
    ///   - privateUnixPeer: the request arrived on a unix socket from this user or root
    ///     (by the kernel's peer credentials).
    ///   - path: the request path; `/v1/state` (it lists client addresses) is a protected read.
    ///   - publicReads: `--admin-public-reads`: protected reads need no token either.
    public static func decide(
        method: HTTPMethod, authorization: String?, token: AdminToken?, privateUnixPeer: Bool,
        path: String? = nil, publicReads: Bool = false
    ) -> Decision {
        let presented = authorization.flatMap(bearerCredential(from:))
        let tokenMatches = presented.map { credential in token?.matches(credential) ?? false } ?? false
        if privateUnixPeer || tokenMatches { return .allow(authenticated: true) }
        if isRead(method) && (publicReads || !protectedReadPaths.contains(path ?? "")) {
            return .allow(authenticated: false)
        }
        return presented == nil ? .unauthorized : .forbidden
    }

    /// Reads that need the token (or a trusted unix peer) unless `--admin-public-reads`.
    public static let protectedReadPaths: Set<String> = ["/v1/state", "/v1/cache"]

    /// The credential of an `Authorization: Bearer <token>` value (scheme case-insensitive,
    /// surrounding spaces ignored); nil for any other scheme or an empty credential.
    public static func bearerCredential(from header: String) -> String? {
        let trimmed = header.trimmingBlanks()
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let credential = trimmed.dropFirst(7).trimmingBlanks()
        return credential.isEmpty ? nil : credential
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (no Foundation needed).
    func trimmingBlanks() -> String {
        let set: Set<Character> = [" ", "\t"]
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
