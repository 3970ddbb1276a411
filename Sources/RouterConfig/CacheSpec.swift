/// One key → nodes cache of the process (`--cache2 name=…,items=…[,udp=ADDR]` or the default
/// cache of `--cache N`), the store `--xxx-use-cache [NAME]` looks keys up in.
public struct CacheSpec: Sendable, Hashable {
    /// The most items any cache may be given (a bound on memory, far above a routing table).
    public static let maximumItems = 1_000_000

    /// The cache's name (`default` for `--cache N`).
    public var name: String
    /// The most keys it holds (`items=`).
    public var items: Int
    /// UDP addresses that accept uWSGI cache datagrams for it (`udp=`, `--cache-udp-server`).
    public var udpServers: [ListenAddress]

    /// Creates a cache spec.
    public init(name: String, items: Int, udpServers: [ListenAddress] = []) {
        self.name = name
        self.items = items
        self.udpServers = udpServers
    }

    /// Parses the router's subset of `--cache2`: `name=` (required), `items=` (required,
    /// 1...1000000) and `udp=` (repeatable); uWSGI's storage keys (`blocksize`, `blocks`,
    /// `hash`, `hashsize`, `keysize`, `store`, `bitmap`, …) are refused by name, since a
    /// routing cache holds short values in memory only.
    public init(parsing text: String) throws(ValueError) {
        var name: String?
        var items: Int?
        var udp: [ListenAddress] = []
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw ValueError(expected: "key=value pairs such as name=routes,items=100 (\"\(pair)\" has no =)")
            }
            let key = pair[..<equals].trimmingSpaces()
            let value = String(pair[pair.index(after: equals)...]).trimmingSpaces()
            switch key {
            case "name":
                guard !value.isEmpty else { throw ValueError(expected: "a non-empty name=") }
                name = value
            case "items", "max_items", "maxitems":
                items = try ValueParse.int(value, in: 1...Self.maximumItems, unit: "items")
            case "udp":
                udp.append(try ListenAddress(parsing: value, for: .bindDatagram))
            default:
                throw ValueError(expected: "name=, items= and udp= (fleetrouter's cache holds routes in memory; \"\(key)\" is not supported)")
            }
        }
        guard let name else { throw ValueError(expected: "a name= item, e.g. name=routes,items=100") }
        guard let items else { throw ValueError(expected: "an items= item, e.g. name=\(name),items=100") }
        self.init(name: name, items: items, udpServers: udp)
    }
}
