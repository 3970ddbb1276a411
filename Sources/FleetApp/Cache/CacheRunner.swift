import FleetClient
import FleetModel
import Foundation
import RouterWire

/// `fleettop cache`: one call to a fleetrouter process's `/v1/cache` (list, set or delete an
/// item of its key → nodes caches) and the text or JSON it prints.
public enum CacheRunner {
    /// What a `cache` run produced.
    public struct Report: Sendable, Hashable {
        /// The text for standard output (listing, outcome) or standard error (why it failed).
        public var message: String
        /// Whether the call succeeded (exit 0).
        public var succeeded: Bool
    }

    /// Runs `request` against the admin API at `admin`; returns the exit code.
    public static func run(_ request: AdminRequest, admin: StatsAddress, tokenFile: String?, timeout: Double, json: Bool) async -> Int32 {
        let control = FleetServices.control(timeout: timeout)
        let report = await report(request, admin: admin, tokenFile: tokenFile, json: json, control: control)
        if report.succeeded {
            FileHandle.standardOutput.write(Data((report.message + "\n").utf8))
            return 0
        }
        FileHandle.standardError.write(Data(("fleettop: " + report.message + "\n").utf8))
        return 1
    }

    /// Carries out the call through `control`.
    public static func report(_ request: AdminRequest, admin: StatsAddress, tokenFile: String?, json: Bool, control: NIOFleetControl) async -> Report {
        let result: CacheCallResult
        do {
            result = try await control.callCache(request, at: admin, tokenFile: tokenFile)
        } catch {
            return Report(message: "\(error)", succeeded: false)
        }
        switch result {
        case .listed(let listing):
            let text = json ? String(decoding: listing.encodeJSON(), as: UTF8.self) : listingText(listing)
            return Report(message: text, succeeded: true)
        case .outcome(let outcome):
            let message = TerminalSafeText.escapedLines("\(admin): \(describe(request)): \(outcome)")
            return Report(message: message, succeeded: outcome.isApplied)
        }
    }

    /// Every cache as a heading and a table of its items (control characters escaped).
    static func listingText(_ listing: CacheListing) -> String {
        guard !listing.caches.isEmpty else { return "no caches" }
        var lines: [String] = []
        for cache in listing.caches {
            if !lines.isEmpty { lines.append("") }
            lines.append("cache \(TerminalSafeText.escaped(cache.name)): \(cache.items.count) of \(cache.capacity) items")
            var table = TextTable([("KEY", .left), ("VALUE", .left), ("EXPIRES", .right), ("HITS", .right)])
            for item in cache.items {
                table.append([item.key, item.value, item.expires.map { "\($0)" } ?? "never", "\(item.hits)"])
            }
            lines += table.lines
        }
        return lines.joined(separator: "\n")
    }

    /// The call as the outcome line names it.
    static func describe(_ request: AdminRequest) -> String {
        switch request {
        case .setCacheItem(let cache, let key, let value, _): "set \(cache.map { "\($0)/" } ?? "")\(key) = \(value)"
        case .deleteCacheItem(let cache, let key): "delete \(cache.map { "\($0)/" } ?? "")\(key)"
        default: request.operation
        }
    }
}
