import FleetModel
import Testing
@testable import FleetApp

@Suite("Routers from --stats and --fleet; themes folder; values")
struct RouterSelectionTests {
    private let fleetText = """
        interval: 2.5
        token_file: /etc/default-token
        routers:
          - name: edge-1
            stats: 127.0.0.1:9191
          - name: legacy
            stats: /run/legacy.sock
            token_file: /etc/legacy-token
        """

    @Test("fleet file routers first, then --stats; --token-file fills only routers without a token")
    func merge() throws {
        let selection = RouterSelection(
            addresses: [.tcp(host: "127.0.0.1", port: 7000)], fleetFile: "fleet.yaml", tokenFile: "/flag-token")
        let resolved = try selection.resolve { path in
            #expect(path == "fleet.yaml")
            return fleetText
        }
        #expect(resolved.interval == 2.5)
        #expect(resolved.endpoints.map(\.name) == ["edge-1", "legacy", "127.0.0.1:7000"])
        #expect(resolved.endpoints.map(\.tokenFile) == ["/etc/default-token", "/etc/legacy-token", "/flag-token"])
    }

    @Test("a --stats router whose name clashes with a fleet-file router gets a suffix")
    func clash() throws {
        let text = "routers:\n  - name: \"127.0.0.1:7000\"\n    stats: 127.0.0.1:9\n"
        let selection = RouterSelection(addresses: [.tcp(host: "127.0.0.1", port: 7000)], fleetFile: "f.yaml")
        let resolved = try selection.resolve { _ in text }
        #expect(resolved.endpoints.map(\.name) == ["127.0.0.1:7000", "127.0.0.1:7000#2"])
    }

    @Test("a bad fleet file gives file:line and the key")
    func badFleetFile() {
        let text = "routers:\n  - name: a\n    stats: 127.0.0.1:1\n  - name: b\n    stats: https://nope\n"
        let selection = RouterSelection(fleetFile: "bad.yaml")
        do {
            _ = try selection.resolve { _ in text }
            Issue.record("expected an error")
        } catch {
            let message = String(describing: error)
            #expect(message.hasPrefix("bad.yaml:5"), "\(message)")
            #expect(message.contains("routers[1].stats"), "\(message)")
        }
    }

    @Test("an unreadable fleet file names --fleet and the path")
    func unreadable() {
        let selection = RouterSelection(fleetFile: "/nonexistent/fleet.yaml")
        #expect(throws: ConfigurationError.self) { try selection.resolve() }
        do {
            _ = try selection.resolve()
        } catch {
            #expect(String(describing: error).hasPrefix("--fleet: cannot read '/nonexistent/fleet.yaml'"))
        }
    }

    @Test("Themes/ is found walking up from the executable to Package.swift")
    func themesDirectory() {
        let present: Set<String> = ["/src/pkg/Package.swift", "/src/pkg/Themes", "/src/Themes"]
        #expect(ThemeDirectoryLocator.locate(
            executablePath: "/src/pkg/.build/debug/fleettop", fileExists: present.contains) == "/src/pkg/Themes")
        #expect(ThemeDirectoryLocator.locate(executablePath: "/usr/bin/fleettop", fileExists: present.contains) == nil)
        // Themes/ without Package.swift beside it is not the package's.
        #expect(ThemeDirectoryLocator.locate(executablePath: "/src/bin/fleettop", fileExists: present.contains) == nil)
    }

    @Test("values accept fractions and reject the rest", arguments: [
        ("0.5", 0.5), ("1", 1), (" 2 ", 2), ("3600", 3600),
    ])
    func seconds(text: String, value: Double) throws {
        #expect(try ArgumentValues.seconds(text, flag: "--interval") == value)
    }

    @Test("out-of-range seconds are refused", arguments: ["0", "-0.5", "3601", "inf", "1e400", ""])
    func badSeconds(text: String) {
        #expect(throws: ArgumentValueError.self) { try ArgumentValues.seconds(text, flag: "--interval") }
    }
}
