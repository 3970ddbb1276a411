/// A problem with the command line or a file it names, found after parsing.
public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A file named by `flag` could not be read.
    case unreadableFile(flag: String, path: String, reason: String)
    /// Two flags that cannot be used together.
    case conflictingFlags(String, String)
    /// The fleet registry could not be read.
    case registryUnreachable(registry: String, reason: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case let .unreadableFile(flag, path, reason):
            return "\(flag): cannot read '\(path)': \(reason)"
        case let .conflictingFlags(first, second):
            return "\(first) cannot be combined with \(second)"
        case let .registryUnreachable(registry, reason):
            return "--registry \(registry): cannot read the fleet: \(reason)"
        }
    }
}
