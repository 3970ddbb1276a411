import RouterWire
import Testing
@testable import RouterConfig

@Suite("tuntap rules")
struct TuntapRuleTests {
    @Test("addresses and masks: /n means /n, no mask is /32, 0.0.0.0 matches everything")
    func addressMatch() throws {
        let network = try TuntapAddressMatch(parsing: "192.168.7.9/24")
        #expect(network.address == 0xc0a8_0700 && network.mask == 0xffff_ff00 && network.description == "192.168.7.0/24")
        #expect(network.matches(0xc0a8_07fe) && !network.matches(0xc0a8_0801))
        #expect(try TuntapAddressMatch(parsing: "10.1.2.3").mask == .max)
        #expect(try TuntapAddressMatch(parsing: "10.0.0.0/0").matches(0x0808_0808))
        #expect(try TuntapAddressMatch(parsing: "0.0.0.0").matches(0x0102_0304))
    }

    @Test("bad addresses and masks are refused", arguments: ["10.0.0", "10.0.0.256", "10.0.0.1/33", "10.0.0.1/", "a.b.c.d", "10.0.0.1/-1"])
    func badAddress(text: String) {
        #expect(throws: ValueError.self) { try TuntapAddressMatch(parsing: text) }
    }

    @Test("firewall rules: allow or deny, bare or with both addresses; any other action word is an error")
    func firewallRules() throws {
        #expect(try TuntapFirewallRule(parsing: "deny") == TuntapFirewallRule(allows: false))
        #expect(try TuntapFirewallRule(parsing: "allow") == TuntapFirewallRule(allows: true))
        let rule = try TuntapFirewallRule(parsing: "allow 10.0.0.0/24 10.0.0.1")
        #expect(rule.matches(source: 0x0a00_0005, destination: 0x0a00_0001) && !rule.matches(source: 0x0a00_0005, destination: 0x0a00_0002))
        #expect(rule.description == "allow 10.0.0.0/24 10.0.0.1/32")
        for typo in ["alow 10.0.0.0/24 10.0.0.1", "Deny", "drop"] {
            #expect(throws: ValueError.self, "\(typo)") { try TuntapFirewallRule(parsing: typo) }
        }
        #expect(throws: ValueError.self) { try TuntapFirewallRule(parsing: "deny 10.0.0.1") }
    }

    @Test("an unknown firewall action on the command line is a configuration error naming the option")
    func firewallTypoOnTheCommandLine() {
        let error = parseError(["--tuntap-router", "tun0 /run/t.sock", "--tuntap-router-firewall-in", "alow 10.0.0.0/24 10.0.0.1"])
        #expect(error?.option == "--tuntap-router-firewall-in")
        #expect(error?.problem == .invalidValue("alow 10.0.0.0/24 10.0.0.1", expected: "the action 'allow' or 'deny', not 'alow'"))
    }

    @Test("routes need SRC DST IP:PORT")
    func routes() throws {
        let route = try TuntapRoute(parsing: "10.0.0.0/24 10.1.0.0/16 127.0.0.1:4000")
        #expect(route.target == 0x7f00_0001 && route.port == 4000 && route.destination.mask == 0xffff_0000)
        for bad in ["10.0.0.0/24 10.1.0.0/16", "10.0.0.0/24 10.1.0.0/16 127.0.0.1", "10.0.0.0/24 10.1.0.0/16 host:80", "a b c:1"] {
            #expect(throws: ValueError.self, "\(bad)") { try TuntapRoute(parsing: bad) }
        }
    }

    @Test("device rules: directions, actions, targets for route and gateway only, and /24 means /24 (uWSGI makes it /8)")
    func deviceRules() throws {
        let rule = try TuntapRule(parsing: "out 10.0.0.2 192.168.0.0/24 gateway 10.0.0.1:9000")
        #expect(rule == TuntapRule(direction: .out, source: 0x0a00_0002, sourceMask: .max, destination: 0xc0a8_0000,
                                   destinationMask: 0xffff_ff00, action: .route, target: 0x0a00_0001, targetPort: 9000))
        #expect(try TuntapRule(parsing: "in 0.0.0.0 10.0.0.2 deny").action == .deny)
        for bad in ["up 10.0.0.2 10.0.0.3 deny", "in 10.0.0.2 10.0.0.3 reject", "out 10.0.0.2 10.0.0.3 route",
                    "out 10.0.0.2 10.0.0.3 deny 1.2.3.4:5", "out 10.0.0.2 deny"] {
            #expect(throws: ValueError.self, "\(bad)") { try TuntapRule(parsing: bad) }
        }
    }

    @Test("device lines: a device alone, or a device and the router's socket")
    func deviceLines() throws {
        #expect(try TuntapDeviceLine(parsing: "tun0") == TuntapDeviceLine(device: "tun0", socket: nil))
        #expect(try TuntapDeviceLine(parsing: "tun0 /run/tuntap.sock") == TuntapDeviceLine(device: "tun0", socket: "/run/tuntap.sock"))
        #expect(throws: ValueError.self) { try TuntapDeviceLine(parsing: "a-device-name-too-long") }
    }
}
