import RouterWire

/// The subscription mapper's key handling: exact key, then (mountpoints) the
/// host part before the first `/`, then the fallback key; or, with dotsplit, the key and its
/// dot-kept suffixes (`a.b.c` → `.b.c` → `.c`), at most 5 attempts, without the fallback key.
public struct SubscriptionLookup: Sendable {
    /// `--subscription-dotsplit`.
    public var dotsplit: Bool
    /// `--xxx-subscription-fallback-key`.
    public var fallbackKey: RouteKey?
    /// Mountpoints are on: a key with `/` retries with the host alone.
    public var mountpoints: Bool

    /// Most keys a dotsplit lookup tries (uWSGI's limit).
    public static let dotsplitAttempts = 5

    /// Creates the lookup policy.
    public init(dotsplit: Bool = false, fallbackKey: RouteKey? = nil, mountpoints: Bool = false) {
        self.dotsplit = dotsplit
        self.fallbackKey = fallbackKey
        self.mountpoints = mountpoints
    }

    /// Picks a node for `key` from `table`, trying the alternative keys in order.
    public func pick(
        key: RouteKey, client: ClientAddress?, table: inout SubscriptionTable, now: RouterInstant,
        events: inout [RouterEvent]
    ) -> RouteTarget? {
        if let target = table.pick(key: key, client: client, now: now, events: &events) {
            return target
        }
        if dotsplit {
            var bytes = key.bytes[...]
            for _ in 1..<Self.dotsplitAttempts {
                // The next label starts at the first dot after the first byte; the dot is kept.
                guard bytes.count > 1, let dot = bytes[(bytes.startIndex + 1)...].firstIndex(of: UInt8(ascii: ".")) else {
                    return nil
                }
                bytes = bytes[dot...]
                if let target = table.pick(key: RouteKey(bytes: Array(bytes)), client: client, now: now, events: &events) {
                    return target
                }
            }
            return nil
        }
        if mountpoints, let slash = key.bytes.firstIndex(of: UInt8(ascii: "/")) {
            let host = RouteKey(bytes: Array(key.bytes[..<slash]))
            if let target = table.pick(key: host, client: client, now: now, events: &events) {
                return target
            }
        }
        if let fallbackKey, fallbackKey != key {
            return table.pick(key: fallbackKey, client: client, now: now, events: &events)
        }
        return nil
    }

    /// Builds a mountpoint key: host + the first `segments` segments of `path` (`/a/b/c`, 1 →
    /// `host/a`). Segments past the path's end are simply absent.
    public static func mountpointKey(host: String, path: String, segments: Int) -> RouteKey {
        RouteKey(bytes: MountpointKey.bytes(host: host.utf8, path: path.utf8, segments: segments))
    }
}
