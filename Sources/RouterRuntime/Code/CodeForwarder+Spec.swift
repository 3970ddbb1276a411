import Logging
import NIOCore
import RouterConfig

extension CodeForwarder {
    /// The router's code forwarder from its options: `-use-code-string 18:FILE:FUNC` loads
    /// the function now, `-use-code-socket PATH` checks the path, `-use-code-resolver NAME`
    /// takes the resolver the embedding program registered. A bad modifier1, file, function or
    /// name stops the start, naming it; nil when none of them is set.
    static func make(spec: RouterSpec, registered: [String: any CodeResolver], logger: Logger) throws(FleetRouterError) -> CodeForwarder? {
        let prefix = "--\(spec.kind.prefix)"
        let timeout = TimeAmount.milliseconds(Int64(spec.codeTimeoutMilliseconds))
        if let mapper = spec.useCodeString {
            let option = "\(prefix)-use-code-string"
            guard mapper.modifier1 == SharedObjectCodeResolver.modifier1 else {
                throw .unsupported(option: "\(option) \(mapper.modifier1):\(mapper.script):\(mapper.function)", reason: Self.modifierReason(mapper.modifier1))
            }
            let resolver: SharedObjectCodeResolver
            do {
                resolver = try SharedObjectCodeResolver(file: mapper.script, symbol: mapper.function)
            } catch {
                throw .invalidRouter(router: spec.kind.rawValue, reason: "\(option): \(error)")
            }
            return CodeForwarder(resolver: resolver, source: "use-code-string \(mapper.modifier1):\(mapper.script):\(mapper.function)",
                                 timeout: timeout, logger: logger, stop: { resolver.shutdown() })
        }
        if let path = spec.useCodeSocket {
            let resolver: SocketCodeResolver
            do {
                resolver = try SocketCodeResolver(path: path, router: spec.kind.rawValue, timeout: timeout)
            } catch {
                throw .invalidRouter(router: spec.kind.rawValue, reason: "\(prefix)-use-code-socket: \(error)")
            }
            return CodeForwarder(resolver: resolver, source: "use-code-socket \(path)", timeout: timeout, logger: logger,
                                 stop: { resolver.shutdown() })
        }
        if let name = spec.useCodeResolver {
            guard let resolver = registered[name] else {
                let known = registered.keys.sorted()
                throw .invalidRouter(router: spec.kind.rawValue, reason: "\(prefix)-use-code-resolver \(name): no in-process resolver of that name; "
                    + (known.isEmpty ? "this program registers none (a program embedding RouterRuntime passes them to FleetRouterProcess.start(codeResolvers:))"
                                     : "registered: \(known.joined(separator: ", "))"))
            }
            return CodeForwarder(resolver: resolver, source: "use-code-resolver \(name)", timeout: timeout, logger: logger)
        }
        return nil
    }

    /// Why a modifier1 other than 18 is refused.
    static func modifierReason(_ modifier1: Int) -> String {
        let language: String = switch modifier1 {
        case 0: "uWSGI's Python plugin"
        case 5: "uWSGI's Perl (PSGI) plugin"
        case 6: "uWSGI's Lua plugin"
        case 7: "uWSGI's Ruby (Rack) plugin"
        default: "a uWSGI language plugin"
        }
        return "modifier1 \(modifier1) is \(language), and fleetrouter embeds no language plugin; compile the function as a C-ABI shared object and give modifier1 18 (uWSGI's symcall: a C symbol), or serve it behind --xxx-use-code-socket"
    }
}
