import Yams

/// A parsed fleet file (YAML): the routers to watch plus fleet-wide defaults.
///
/// ```yaml
/// interval: 1          # seconds between polls, fractions allowed
/// token_file: /etc/fleettop/token
/// routers:
///   - name: edge-1
///     stats: 127.0.0.1:9191
///     admin: 127.0.0.1:9292
///     tags: [edge, eu]
///   - name: legacy
///     stats: http://10.0.0.5:9191/
///     subscription_server: 127.0.0.1:7070
/// ```
public struct FleetFile: Sendable, Hashable {
    /// Poll interval in seconds, when the file sets one.
    public var interval: Double?
    /// Default admin token file for routers that name none (already applied to `routers`).
    public var tokenFile: String?
    /// The routers, in file order.
    public var routers: [RouterEndpoint]

    /// Creates a fleet file value.
    public init(interval: Double? = nil, tokenFile: String? = nil, routers: [RouterEndpoint]) {
        self.interval = interval
        self.tokenFile = tokenFile
        self.routers = routers
    }

    static let topKeys = ["interval", "token_file", "routers"]
    static let routerKeys = ["name", "stats", "admin", "token_file", "subscription_server", "tags"]

    /// Parses fleet-file text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(FleetFileError) -> FleetFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.translate(error, file: file)
        } catch {
            throw FleetFileError(file: file, line: nil, key: nil, problem: .syntax("\(error)"))
        }
        guard let root else {
            throw FleetFileError(file: file, line: 1, key: "routers", problem: .missingKey)
        }
        var reader = FleetFileReader(file: file)
        return try reader.readFleet(root)
    }

    private static func translate(_ error: YamlError, file: String) -> FleetFileError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return FleetFileError(file: file, line: mark.line, column: mark.column, key: nil, problem: .syntax(problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            return FleetFileError(
                file: file, line: context.mark.line, column: context.mark.column,
                key: duplicates.first, problem: .duplicateKey)
        case let .reader(problem, _, _, _):
            return FleetFileError(file: file, line: nil, key: nil, problem: .syntax(problem))
        default:
            return FleetFileError(file: file, line: nil, key: nil, problem: .syntax("\(error)"))
        }
    }
}
