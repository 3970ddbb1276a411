/// Why the operator state file could not be loaded or saved; each case names the file.
public enum StateFileError: Error, Sendable, CustomStringConvertible {
    /// The file exists but does not decode; the router refuses to start rather than lose it.
    case corrupt(path: String, reason: String)
    /// A system call failed while reading or writing.
    case io(path: String, operation: String, reason: String)

    /// A one-line description naming the file and the problem.
    public var description: String {
        switch self {
        case .corrupt(let path, let reason):
            return "state file '\(path)' is not valid (\(reason)); fix or move it away, or start with --state-file-discard-corrupt to rename it aside and start with no operator state"
        case .io(let path, let operation, let reason):
            return "state file '\(path)': \(operation) failed: \(reason)"
        }
    }
}
