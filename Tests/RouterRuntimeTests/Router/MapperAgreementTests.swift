import RouterConfig
import RouterCore
import Testing
@testable import RouterRuntime

/// Configuration and RouterCore name mappers with the same type, so the mapper a router's
/// options select is the one its state runs.
@Suite("configured and running mapper agree")
struct MapperAgreementTests {
    @Test("the active mapper of the options is the one RouterCore runs", arguments: [
        (["--fastrouter", ":0", "--fastrouter-to", "127.0.0.1:1"], MapperKind.staticNodes),
        (["--fastrouter", ":0", "--fastrouter-to", "127.0.0.1:1", "--fastrouter-use-base", "/run/"], .base("/run/")),
        (["--fastrouter", ":0", "--fastrouter-use-base", "/run/", "--fastrouter-subscription-server", "127.0.0.1:0"], .subscription),
        (["--fastrouter", ":0", "--fastrouter-subscription-server", "127.0.0.1:0", "--fastrouter-use-pattern", "/run/%s.sock"], .pattern("/run/%s.sock")),
        (["--fastrouter", ":0", "--fastrouter-use-pattern", "/run/%s.sock", "--fastrouter-use-cache", "--cache", "10"], .cache),
        (["--rawrouter", ":0", "--rawrouter-fallback", "127.0.0.1:1"], MapperKind.none),
    ])
    func agree(arguments: [String], expected: MapperKind) throws {
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { path in throw MissingFile(missing: path) }
        let spec = try #require(configuration.routers.first)
        #expect(spec.activeMapper == expected)
        let routing = try RoutingConfiguration(spec: spec, global: configuration)
        #expect(MapperKind.active(for: routing) == expected)
    }
}
