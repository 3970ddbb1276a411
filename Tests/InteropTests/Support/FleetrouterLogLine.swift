import Foundation
import FoundationEssentials

/// One socket fleetrouter reported binding on stderr.
struct FleetrouterBinding: Sendable, Hashable {
    /// What the socket is for.
    enum Role: String, Sendable, Hashable {
        /// A router's client listener (`<router> listening on …`).
        case listener
        /// A router's subscription server.
        case subscriptionServer
        /// A router's stats server.
        case statsServer
        /// The admin API.
        case admin
        /// A cache's UDP server (`cache <name> UDP server on …`); `router` is the cache's name.
        case cacheUDP
    }

    /// What the socket is for.
    let role: Role
    /// `http`, `fastrouter` or `rawrouter`; nil for the admin API.
    let router: String?
    /// The address as configured (`127.0.0.1:0`).
    let configured: String
    /// The address actually bound (`127.0.0.1:41234`, `[::1]:41234` or a unix path).
    let actual: Endpoint
}

/// The lines of fleetrouter's startup contract on stderr:
///
///     fleetrouter: <router> listening on <configured> bound <actual>
///     fleetrouter: <router> subscription server on <configured> bound <actual>
///     fleetrouter: <router> stats server on <configured> bound <actual>
///     fleetrouter: admin API on <configured> bound <actual>
///     fleetrouter: ready
enum FleetrouterLogLine: Sendable, Hashable {
    /// A bound socket.
    case bound(FleetrouterBinding)
    /// Every socket is bound and the routers serve.
    case ready

    private static let marker = "fleetrouter: "

    /// Parses one line; nil when it is not a contract line. Throws when a line has the
    /// contract's shape but an address that does not parse.
    static func parse(_ line: String) throws -> FleetrouterLogLine? {
        // Only the text from the marker on is the contract; a log prefix before it is tolerated.
        guard let start = line.range(of: marker) else { return nil }
        let rest = line[start.upperBound...]
        if rest == "ready" { return .ready }
        guard let bound = rest.range(of: " bound ", options: .backwards) else { return nil }
        let actualText = String(rest[bound.upperBound...])
        let subject = rest[..<bound.lowerBound]
        let patterns: [(String, FleetrouterBinding.Role)] = [
            (" listening on ", .listener),
            (" subscription server on ", .subscriptionServer),
            (" stats server on ", .statsServer),
        ]
        if subject.hasPrefix("cache "), let range = subject.range(of: " UDP server on ") {
            let name = String(subject[subject.index(subject.startIndex, offsetBy: "cache ".count)..<range.lowerBound])
            let configured = String(subject[range.upperBound...])
            return .bound(FleetrouterBinding(role: .cacheUDP, router: name, configured: configured, actual: try actual(actualText, in: line)))
        }
        if subject.hasPrefix("admin API on ") {
            let configured = String(subject.dropFirst("admin API on ".count))
            return .bound(FleetrouterBinding(role: .admin, router: nil, configured: configured, actual: try actual(actualText, in: line)))
        }
        for (infix, role) in patterns {
            guard let range = subject.range(of: infix) else { continue }
            let router = String(subject[..<range.lowerBound])
            guard !router.isEmpty, !router.contains(" ") else { return nil }
            let configured = String(subject[range.upperBound...])
            return .bound(FleetrouterBinding(role: role, router: router, configured: configured, actual: try actual(actualText, in: line)))
        }
        return nil
    }

    private static func actual(_ text: String, in line: String) throws -> Endpoint {
        do {
            return try Endpoint(parsing: text)
        } catch {
            throw InteropError("fleetrouter printed '\(line)': the bound address '\(text)' is not 127.0.0.1:PORT, [::1]:PORT or a unix path")
        }
    }
}
