import RouterWire

/// `fleetrouter pty-attach [--raw] [--no-isig] ADDR`: what the attach client is asked to do,
/// parsed from argv alone (tested without a terminal or a socket).
public struct PtyAttachOptions: Sendable, Equatable {
    /// The forkpty listener: `host:port`, `[v6]:port`, a unix path or `@name`.
    public var address: UwsgiAddress
    /// True for a `--forkptyrouter` (raw) listener: stdin goes unframed and the window size is
    /// not sent. False (the default) frames stdin for `--forkptyurouter`, as `--pty-uconnect` does.
    public var raw = false
    /// True to turn ISIG off on the local terminal, so Ctrl-C and Ctrl-Z reach the remote shell
    /// as bytes (`--pty-no-isig`).
    public var noISIG = false

    /// The usage line.
    public static let usage = "usage: fleetrouter pty-attach [--raw] [--no-isig] ADDR"

    /// The help text.
    public static let help = """
        \(usage)

        Attaches this terminal to a forkpty router (fleetrouter's or uWSGI's), like uWSGI's
        --pty-uconnect: the local terminal goes raw (restored on every exit), stdin is framed,
        and the window's rows and cols are sent at start and on every resize.

          ADDR        host:port, [v6]:port, a unix socket path or @abstract-name
          --raw       the listener is a --forkptyrouter (raw) one: send stdin as is, no resize
          --no-isig   send Ctrl-C and Ctrl-Z to the remote side as bytes instead of ending or
                      stopping this client

        Exits 0 when the remote side closes, 1 when it cannot connect.

        """

    /// Parses the arguments after `pty-attach`.
    public static func parse(_ arguments: [String]) throws(PtyAttachError) -> PtyAttachOptions {
        var raw = false
        var noISIG = false
        var address: String?
        for argument in arguments {
            switch argument {
            case "--raw": raw = true
            case "--no-isig", "--pty-no-isig": noISIG = true
            default:
                if argument.hasPrefix("-") && argument.count > 1 && !argument.hasPrefix("-@") {
                    throw .usage("unknown option \(argument)")
                }
                guard address == nil else { throw .usage("one address expected, got \(address ?? "") and \(argument)") }
                address = argument
            }
        }
        guard let address else { throw .usage("no address given") }
        let parsed: UwsgiAddress
        do {
            parsed = try UwsgiAddress(parsing: address, rules: .client)
        } catch {
            throw .usage("\(address) is not an address: expected \(error.expected)")
        }
        switch parsed.endpoint {
        case .inet, .unix, .abstract: break
        case .sharedSocket, .inheritedDescriptor:
            throw .usage("\(address) is not an address to connect to: expected host:port, a unix path or @name")
        }
        return PtyAttachOptions(address: parsed, raw: raw, noISIG: noISIG)
    }
}

/// Why `pty-attach` stopped before attaching.
public enum PtyAttachError: Error, Equatable, CustomStringConvertible {
    /// The command line is wrong.
    case usage(String)
    /// The router could not be reached.
    case connect(String)

    public var description: String {
        switch self {
        case .usage(let reason): "\(reason)\n\(PtyAttachOptions.usage)"
        case .connect(let reason): reason
        }
    }
}
