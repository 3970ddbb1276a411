import RouterWire
import Testing
@testable import RouterRuntime

@Suite("pty-attach command line")
struct PtyAttachOptionsTests {
    @Test("an address in every form, framed by default, --raw and --no-isig in any order")
    func parses() throws {
        let framed = try PtyAttachOptions.parse(["127.0.0.1:5000"])
        #expect(framed.address.endpoint == .inet(host: "127.0.0.1", port: 5000) && !framed.raw && !framed.noISIG)
        let raw = try PtyAttachOptions.parse(["--no-isig", "/run/pty.sock", "--raw"])
        #expect(raw.address.endpoint == .unix(path: "/run/pty.sock") && raw.raw && raw.noISIG)
        #expect(try PtyAttachOptions.parse(["@pty"]).address.endpoint == .abstract(name: "pty"))
        #expect(try PtyAttachOptions.parse(["[::1]:5000", "--pty-no-isig"]).noISIG)
    }

    @Test("bad command lines are usage errors that name the input",
          arguments: [
              ([], "no address given"),
              (["--bogus", ":1"], "unknown option --bogus"),
              (["a:1", "b:2"], "one address expected, got a:1 and b:2"),
              (["127.0.0.1:0"], "127.0.0.1:0 is not an address"),
          ] as [([String], String)])
    func refuses(arguments: [String], message: String) {
        do {
            _ = try PtyAttachOptions.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
            #expect(error.description.hasSuffix(PtyAttachOptions.usage))
        }
    }

    @Test("fleetrouter pty-attach with a bad command line exits 2 without connecting")
    func commandExitStatus() async {
        #expect(await FleetRouterCommand.main(arguments: ["pty-attach"]) == FleetRouterCommand.usageStatus)
        #expect(await FleetRouterCommand.main(arguments: ["pty-attach", "--help"]) == 0)
    }
}
