import ArgumentParser
import FleetModel
import RouterWire
import Testing
@testable import FleetApp
import ThreadTesting

@Suite("Command line → configuration", .ownThread)
struct CommandParsingTests {
    private func watch(_ arguments: [String]) throws -> WatchConfiguration {
        let command = try FleettopCommand.parseAsRoot(arguments)
        let watch = try #require(command as? WatchCommand)
        return watch.makeConfiguration()
    }

    private func message(_ arguments: [String]) -> String {
        do {
            _ = try FleettopCommand.parseAsRoot(arguments)
            return "parsed"
        } catch {
            return FleettopCommand.message(for: error)
        }
    }

    @Test("no arguments: watch the demo fleet with defaults")
    func defaults() throws {
        let configuration = try watch([])
        #expect(configuration == WatchConfiguration())
        #expect(configuration.usesDemoFleet)
    }

    @Test("every watch flag lands in the configuration, with or without the watch word")
    func everyWatchFlag() throws {
        let flags = [
            "--stats", "127.0.0.1:9191", "--stats", "/run/r.sock", "--stats", "@abs", "--stats", "http://10.0.0.5:9191/stats",
            "--fleet", "fleet.yaml", "--token-file", "/etc/token", "--interval", "0.25", "--theme", "light",
            "--readonly", "--no-color", "--max-frames", "3",
        ]
        let expected = WatchConfiguration(
            routers: RouterSelection(
                addresses: [
                    .tcp(host: "127.0.0.1", port: 9191), .unix(path: "/run/r.sock"), .abstract(name: "abs"),
                    .http(host: "10.0.0.5", port: 9191, path: "/stats"),
                ],
                fleetFile: "fleet.yaml", tokenFile: "/etc/token"),
            interval: 0.25, theme: "light", readOnly: true, noColor: true, maxFrames: 3)
        #expect(try watch(flags) == expected)
        #expect(try watch(["watch"] + flags) == expected)
        #expect(try watch(flags).usesDemoFleet == false)
    }

    @Test("--demo alone selects the demo fleet; with --stats it is refused")
    func demo() throws {
        #expect(try watch(["--demo"]).usesDemoFleet)
        #expect(message(["--demo", "--stats", "127.0.0.1:1"]).contains("--demo cannot be combined with --stats or --fleet"))
    }

    @Test("bad values name the flag and what was expected", arguments: [
        (["--interval", "0"], "--interval", "greater than 0"),
        (["--interval=-1"], "--interval", "greater than 0"),
        (["--interval", "soon"], "--interval", "number of seconds"),
        (["--interval", "nan"], "--interval", "number of seconds"),
        (["--max-frames", "0"], "--max-frames", "at least 1"),
        (["--max-frames", "2.5"], "--max-frames", "whole number"),
        (["--stats", "https://x:1"], "--stats", "https"),
        (["--stats", "host:99999"], "--stats", "host:port"),
        (["--stats", ""], "--stats", "host:port"),
        (["snapshot", "--timeout", "0"], "--timeout", "greater than 0"),
        (["ctl", "--stats", "127.0.0.1:1", "weight", "--node", "n", "--value", "0"], "--value", "at least 1"),
        (["ctl", "--stats", "127.0.0.1:1", "weight", "--node", "n", "--value=-3"], "--value", "at least 1"),
        (["ctl", "--stats", "127.0.0.1:1", "cheap", "sometimes"], "<mode>", "on, off or auto"),
        (["ctl", "--stats", "127.0.0.1:1", "drain", "--node", " "], "--node", "non-empty"),
    ])
    func badValues(arguments: [String], flag: String, expected: String) {
        let text = message(arguments)
        #expect(text.contains(flag), "\(text)")
        #expect(text.contains(expected), "\(text)")
    }

    @Test("snapshot: routers, --json, --timeout; no router is an error")
    func snapshot() throws {
        let command = try #require(try FleettopCommand.parseAsRoot(
            ["snapshot", "--stats", "127.0.0.1:9191", "--fleet", "f.yaml", "--json", "--timeout", "1.5"]) as? SnapshotCommand)
        #expect(command.makeConfiguration() == SnapshotConfiguration(
            routers: RouterSelection(addresses: [.tcp(host: "127.0.0.1", port: 9191)], fleetFile: "f.yaml"),
            json: true, timeout: 1.5))
        let plain = try #require(try FleettopCommand.parseAsRoot(["snapshot", "--stats", "127.0.0.1:9191"]) as? SnapshotCommand)
        #expect(plain.makeConfiguration().timeout == SnapshotConfiguration.defaultTimeout)
        #expect(plain.makeConfiguration().json == false)
        #expect(message(["snapshot"]).contains("--stats ADDR"))
    }

    @Test("ctl node edits, with the router options before or after the edit's name")
    func ctlNodeEdits() throws {
        let router: [String] = ["--stats", "127.0.0.1:9191", "--admin", "127.0.0.1:9292", "--token-file", "/t", "--timeout", "2"]
        let node = NodeRef(key: "app", node: "127.0.0.1:3031")
        let cases: [([String], FleetEdit)] = [
            (["drain", "--node", "127.0.0.1:3031", "--key", "app"], .drain(node)),
            (["undrain", "--node", "127.0.0.1:3031", "--key", "app"], .undrain(node)),
            (["kick", "--node", "127.0.0.1:3031", "--key", "app"], .kick(node)),
            (["weight", "--node", "127.0.0.1:3031", "--key", "app", "--value", "7"], .setWeight(node, 7)),
            (["cheap", "on"], .setCheap(.on)),
            (["cheap", "off"], .setCheap(.off)),
            (["cheap", "AUTO"], .setCheap(.auto)),
        ]
        for (edit, expected) in cases {
            for arguments in [["ctl"] + router + edit, ["ctl", edit[0]] + router + Array(edit.dropFirst())] {
                let configuration = try ctlConfiguration(arguments)
                #expect(configuration == CtlConfiguration(
                    stats: .tcp(host: "127.0.0.1", port: 9191), admin: .tcp(host: "127.0.0.1", port: 9292),
                    tokenFile: "/t", edit: expected, timeout: 2), "\(arguments)")
            }
        }
    }

    @Test("ctl: --key is optional, --stats and --node are required")
    func ctlRequired() throws {
        let configuration = try ctlConfiguration(["ctl", "--stats", "@fleet", "drain", "--node", "n1"])
        #expect(configuration.edit == .drain(NodeRef(key: nil, node: "n1")))
        #expect(configuration.stats == .abstract(name: "fleet"))
        #expect(configuration.admin == nil)
        #expect(message(["ctl", "drain", "--node", "n1"]).contains("--stats"))
        #expect(message(["ctl", "--stats", "127.0.0.1:1", "drain"]).contains("--node"))
        #expect(message(["ctl", "--stats", "127.0.0.1:1", "weight", "--node", "n"]).contains("--value"))
    }

    private func ctlConfiguration(_ arguments: [String]) throws -> CtlConfiguration {
        let command = try FleettopCommand.parseAsRoot(arguments)
        switch command {
        case let drain as CtlNodeCommand<DrainEdit>: return drain.makeConfiguration()
        case let undrain as CtlNodeCommand<UndrainEdit>: return undrain.makeConfiguration()
        case let kick as CtlNodeCommand<KickEdit>: return kick.makeConfiguration()
        case let weight as CtlWeightCommand: return weight.makeConfiguration()
        case let cheap as CtlCheapCommand: return cheap.makeConfiguration()
        default:
            Issue.record("unexpected command \(type(of: command))")
            throw CancellationError()
        }
    }

    @Test("help lists every watch flag")
    func helpText() {
        let help = FleettopCommand.helpMessage(for: WatchCommand.self)
        for flag in ["--stats", "--fleet", "--token-file", "--interval", "--theme", "--readonly", "--no-color", "--max-frames", "--demo"] {
            #expect(help.contains(flag), "\(flag)")
        }
    }
}

@Suite("fleettop cache: command line")
struct CacheCommandParsingTests {
    @Test("the command line parses into the admin call")
    func parsing() throws {
        let set = try CacheSetCommand.parse(["--admin", "127.0.0.1:9000", "--cache", "routes", "--expires", "1900000000", "app.local", "127.0.0.1:3031"])
        #expect(set.request == .setCacheItem(cache: "routes", key: "app.local", value: "127.0.0.1:3031", expires: 1_900_000_000))
        let delete = try CacheDeleteCommand.parse(["--admin", "127.0.0.1:9000", "app.local"])
        #expect(delete.request == .deleteCacheItem(cache: nil, key: "app.local"))
        #expect(throws: (any Error).self) { try CacheSetCommand.parse(["app.local", "127.0.0.1:3031"]) }
        #expect(throws: (any Error).self) { try CacheSetCommand.parse(["--admin", "127.0.0.1:9000", "--expires", "soon", "k", "v"]) }
    }
}
