import FleetModel
import FleetRegistry
import Foundation

/// Which routers a command watches: addresses from `--stats`, a `--fleet` file, or neither
/// (the demo fleet, for `watch`).
public struct RouterSelection: Sendable, Hashable {
    /// `--stats ADDR`… in command-line order.
    public var addresses: [StatsAddress]
    /// `--fleet FILE`.
    public var fleetFile: String?
    /// `--token-file FILE`: admin token for routers the fleet file gives none for.
    public var tokenFile: String?

    /// `--registry URL`: routers discovered from an etcd fleet registry.
    public var registry: RegistryLocation?

    /// Creates a selection.
    public init(addresses: [StatsAddress] = [], fleetFile: String? = nil, tokenFile: String? = nil, registry: RegistryLocation? = nil) {
        self.addresses = addresses
        self.fleetFile = fleetFile
        self.tokenFile = tokenFile
        self.registry = registry
    }

    /// True when no router was named (watch then starts the demo fleet).
    public var isEmpty: Bool { addresses.isEmpty && fleetFile == nil && registry == nil }

    /// `resolve()`, plus the routers the registry lists now (one read, bounded by `timeout`).
    public func resolveWithRegistry(timeout: Duration) async throws -> Resolved {
        var resolved = try resolve()
        guard let registry else { return resolved }
        let client = EtcdClient(location: registry, timeout: timeout)
        let read: (kvs: [EtcdKeyValue], revision: Int64)
        do {
            read = try await client.range(prefix: registry.routersPrefix)
        } catch {
            throw ConfigurationError.registryUnreachable(registry: registry.description, reason: error.description)
        }
        var membership = RegistryMembership<RouterRecord>(prefix: registry.routersPrefix)
        _ = membership.reset(read.kvs, revision: read.revision)
        resolved.endpoints = RegistryEndpoints.merge(fixed: resolved.endpoints, records: membership.sortedRecords)
        return resolved
    }

    /// The resolved routers plus the fleet file's interval, if it sets one.
    public struct Resolved: Sendable, Hashable {
        /// Fleet-file routers first (file order), then `--stats` routers.
        public var endpoints: [RouterEndpoint]
        /// The fleet file's `interval`.
        public var interval: Double?
    }

    /// Reads the fleet file (if any) and merges it with the `--stats` routers; `--token-file`
    /// fills in routers that name no token. A `--stats` router whose derived name clashes with
    /// a fleet-file router gets a `#2`-style suffix so identities stay unique.
    public func resolve(readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) throws -> Resolved {
        var endpoints: [RouterEndpoint] = []
        var interval: Double?
        if let fleetFile {
            let text: String
            do {
                text = try readFile(fleetFile)
            } catch {
                throw ConfigurationError.unreadableFile(flag: "--fleet", path: fleetFile, reason: Self.reason(error))
            }
            let parsed = try FleetFile.parse(text, file: fleetFile)
            endpoints = parsed.routers
            interval = parsed.interval
        }
        var used = Set(endpoints.map(\.name))
        for var endpoint in RouterEndpoint.fromAddresses(addresses) {
            var name = endpoint.name
            var suffix = 2
            // Bounded by the number of routers: each pass tries a name not yet seen.
            while used.contains(name) {
                name = "\(endpoint.name)#\(suffix)"
                suffix += 1
            }
            if name != endpoint.name {
                endpoint = RouterEndpoint(name: name, stats: endpoint.stats, tags: endpoint.tags)
            }
            used.insert(name)
            endpoints.append(endpoint)
        }
        if let tokenFile {
            for index in endpoints.indices where endpoints[index].tokenFile == nil {
                endpoints[index].tokenFile = tokenFile
            }
        }
        return Resolved(endpoints: endpoints, interval: interval)
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }
}
