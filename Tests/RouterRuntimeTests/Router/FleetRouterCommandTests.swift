import RouterConfig
import Testing
@testable import RouterRuntime

@Suite("fleetrouter command line")
struct FleetRouterCommandTests {
    static func interpret(_ arguments: [String], files: [String: String] = [:]) -> FleetRouterCommand.Outcome {
        FleetRouterCommand.interpret(arguments: arguments) { path in
            guard let text = files[path] else { throw MissingFile(missing: path) }
            return text
        }
    }

    @Test("--help prints the option reference on standard output and exits 0")
    func help() {
        #expect(Self.interpret(["--help"]) == .exit(status: 0, output: RouterConfiguration.helpText(), error: ""))
        #expect(Self.interpret(["--http", ":0", "-h"]) == .exit(status: 0, output: RouterConfiguration.helpText(), error: ""))
    }

    @Test("--version prints the version")
    func version() {
        #expect(Self.interpret(["--version"]) == .exit(status: 0, output: "fleetrouter \(FleetRouterVersion.current)\n", error: ""))
    }

    @Test("bad command lines exit 2 with one error line naming the problem", arguments: [
        ([], "no options given"),
        (["--bogus"], "unknown option --bogus"),
        (["--http", ":0", "--http-to", "127.0.0.1:3031", "--http-timeout", "soon"], "--http-timeout"),
        (["--sslrouter2", ":0,a.crt,a.key", "--sslrouter-to", "127.0.0.1:1"], "--sslrouter"),
        (["--admin", "127.0.0.1:0"], "no router"),
        (["--ini", "missing.ini"], "missing.ini"),
        (["--http", ":0", "--http-to", "127.0.0.1:3031", "--http-proxy-protocol-allow", "10.0.0.0/33"], "--http-proxy-protocol-allow"),
    ])
    func errors(arguments: [String], mentions: String) {
        guard case .exit(let status, let output, let error) = Self.interpret(arguments) else {
            Issue.record("expected an exit for \(arguments)")
            return
        }
        #expect(status == 2)
        #expect(output.isEmpty)
        let lines = error.split(separator: "\n")
        #expect(lines.last?.hasPrefix("fleetrouter: error: ") == true)
        #expect(error.contains(mentions), "\(error)")
    }

    @Test("a uWSGI command line runs, its uWSGI-only flags become notices")
    func uwsgiCommandLine() {
        let outcome = Self.interpret(["--plugin", "http", "--master", "--http", ":8080", "--http-subscription-server", "127.0.0.1:7000", "--http-stats", "127.0.0.1:9191"])
        guard case .run(let configuration, let messages) = outcome else {
            Issue.record("expected a run, got \(outcome)")
            return
        }
        #expect(configuration.router(.http)?.listeners.map(\.address.configured) == [":8080"])
        #expect(messages.count == 2)
        #expect(messages.allSatisfy { $0.hasPrefix("fleetrouter: notice: ") })
        #expect(messages.contains { $0.contains("--master") })
    }

    @Test("tuning options uWSGI's process model has are applied without a notice; the keep-alive idle limit still earns one")
    func appliedTuning() {
        let outcome = Self.interpret(["--http", ":0", "--http-to", "127.0.0.1:3031", "--http-buffer-size", "8192", "--http-events", "32",
                                      "--http-harakiri", "30", "--http-keepalive", "5"])
        guard case .run(let configuration, let messages) = outcome else {
            Issue.record("expected a run, got \(outcome)")
            return
        }
        #expect(configuration.router(.http)?.bufferSize == 8192 && configuration.router(.http)?.events == 32)
        // Applied (receive buffers, the lean batch, the loop-stall watchdog), so no notice.
        #expect(!messages.contains { $0.contains("--http-buffer-size") || $0.contains("--http-events") || $0.contains("--http-harakiri") })
        #expect(messages.contains { $0.hasPrefix("fleetrouter: notice: ignored: --http-keepalive N's idle limit") })
    }

    @Test("an --ini file is read through the file reader")
    func iniFile() {
        let outcome = Self.interpret(["--ini", "router.ini"], files: ["router.ini": "[uwsgi]\nfastrouter = 127.0.0.1:0\nfastrouter-to = 127.0.0.1:3031\n"])
        guard case .run(let configuration, _) = outcome else {
            Issue.record("expected a run, got \(outcome)")
            return
        }
        #expect(configuration.router(.fastrouter)?.staticNodes.map(\.configured) == ["127.0.0.1:3031"])
    }
}
