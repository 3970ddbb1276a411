import FleetRegistry
import Logging
import RouterCore
import RouterConfig
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--fleet-registry`: keeps this router registered in the etcd fleet registry while it
/// runs, and removes the registration (revokes its lease) on graceful shutdown; applies the
/// fleet-wide intents as they change. An unreachable cluster never stops the router:
/// registration and the intent watch are retried in the background.
struct RegistryService: Service {
    let registration: RouterRegistration
    let intents: FleetIntentService

    /// The registration at `location` (`location(_:)`, nil without `--fleet-registry`).
    static func make(
        location: RegistryLocation?, configuration: RouterConfiguration, engines: [RouterEngine], stats: String?, admin: String?,
        logger: Logger
    ) throws(FleetRouterError) -> RegistryService? {
        guard let location else { return nil }
        guard let stats else {
            throw .unsupported(option: "--fleet-registry", reason: "a registered router must have a stats server for fleettop to read: add --stats (or a router's --xxx-stats)")
        }
        let host = hostName()
        let name = configuration.fleetRegistryName ?? defaultName(host: host, stats: stats)
        guard RouterRecord.isValidName(name) else {
            throw .unsupported(option: "--fleet-registry-name", reason: "'\(name)' is not a registry name: 1 to 200 letters, digits and -._:@[]")
        }
        let record = RouterRecord(
            name: name, stats: stats, admin: admin, kinds: configuration.routers.map(\.kind.rawValue),
            version: FleetRouterVersion.current, host: host, pid: getpid())
        let client = EtcdClient(location: location, timeout: .seconds(3))
        return RegistryService(
            registration: RouterRegistration(
                location: location, record: record, ttl: Int64(configuration.fleetRegistryTTL), client: client, logger: logger),
            intents: FleetIntentService(location: location, router: name, engines: engines, client: client, logger: logger))
    }

    /// The registry `--fleet-registry` names, with the credentials of `--fleet-registry-user`
    /// and `--fleet-registry-password-file` (both or neither); nil without `--fleet-registry`.
    static func location(_ configuration: RouterConfiguration) throws(FleetRouterError) -> RegistryLocation? {
        guard let text = configuration.fleetRegistry else {
            if configuration.fleetRegistryUser != nil || configuration.fleetRegistryPasswordFile != nil {
                throw .unsupported(option: "--fleet-registry-user", reason: "it needs --fleet-registry")
            }
            return nil
        }
        var location: RegistryLocation
        do {
            location = try RegistryLocation(parsing: text)
        } catch {
            throw .unsupported(option: "--fleet-registry", reason: error.description)
        }
        switch (configuration.fleetRegistryUser, configuration.fleetRegistryPasswordFile) {
        case (nil, nil):
            break
        case let (user?, file?):
            do {
                location.credentials = try EtcdCredentials(user: user, passwordFile: file)
            } catch {
                throw .unsupported(option: "--fleet-registry-password-file", reason: error.description)
            }
        case (nil, _?):
            throw .unsupported(option: "--fleet-registry-password-file", reason: "it needs --fleet-registry-user, the user whose password it holds")
        case (_?, nil):
            throw .unsupported(option: "--fleet-registry-user", reason: "it needs --fleet-registry-password-file, the file holding the password")
        }
        return location
    }

    /// The fleet intents in force for a router about to start, read within 3 s (nil without
    /// `--fleet-registry`, or when the registry does not answer: logged, and applied later).
    /// Intents that name routers reach it here only when it was given `--fleet-registry-name`.
    static func initialIntent(location: RegistryLocation?, configuration: RouterConfiguration, logger: Logger) async -> OperatorState? {
        guard let location else { return nil }
        return await FleetIntentService.initialLayer(
            location: location, router: configuration.fleetRegistryName, timeout: .seconds(3), logger: logger)
    }

    /// The startup line naming the registry and the name registered.
    var announcement: String {
        "fleetrouter: registering in \(registration.location) as \(registration.record.name)"
    }

    func run() async throws {
        async let following: Void = intents.run()
        await cancelWhenGracefulShutdown {
            await registration.run()
        }
        try await following
    }

    /// `host-statsaddress` with every character a key cannot hold replaced by `_`.
    static func defaultName(host: String, stats: String) -> String {
        let raw = "\(host)-\(stats)"
        let cleaned = String(raw.unicodeScalars.map { scalar -> Character in
            RouterRecord.isNameCharacter(scalar) ? Character(scalar) : "_"
        })
        return String(cleaned.prefix(200))
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
