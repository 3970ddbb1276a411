import Testing
@testable import RouterConfig
import Foundation

@Suite struct HelpTextTests {
    @Test func helpListsEveryOptionNameOfTheTable() {
        let help = RouterConfiguration.helpText()
        // A name must appear as a whole option, not only as the prefix of a longer one.
        let words = Set(help.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).map(String.init))
        let missing = OptionTable.allNames.map { "--\($0)" }.filter { !words.contains($0) }
        #expect(missing.isEmpty, "missing from help: \(missing)")
        #expect(OptionTable.allNames.count > 150)
    }

    @Test func helpIsGroupedByRouter() throws {
        let help = RouterConfiguration.helpText()
        let headings = ["Fleettop options:", "Configuration files:", "Instance-wide router and subscription options:",
                        "HTTP router (--plugin http; HTTPS listeners included):", "Fast router (--plugin fastrouter):",
                        "Raw router (--plugin rawrouter):", "SSL router (--plugin sslrouter):",
                        "Forkpty router (--plugin forkptyrouter):", "Tuntap router (--plugin tuntap):",
                        "Accepted and ignored (they matter only to uWSGI):", "Refused (not supported by fleetrouter):"]
        var position = help.startIndex
        for heading in headings {
            let range = try #require(help.range(of: heading, range: position..<help.endIndex), "\(heading) missing or out of order")
            position = range.upperBound
        }
        #expect(help.contains("  --http-stats, --http-stats-server, --http-ss ADDR"))
        #expect(help.contains("inactivity timeout per peer, also node connect [60]"))
        let keepalive = try #require(help.split(separator: "\n").first { $0.hasPrefix("  --http-keepalive [N]") })
        #expect(keepalive.contains("[off]"))
    }

    @Test func everyNameBelongsToExactlyOneEntry() {
        var seen: [String: Int] = [:]
        for entry in OptionTable.entries {
            for name in entry.names { seen[name, default: 0] += 1 }
        }
        #expect(seen.filter { $0.value > 1 }.isEmpty)
    }
}
