/// A decoded uWSGI subscription datagram (modifier1 224): the typed keys of the reference's §2.2
/// plus every unknown key, in arrival order.
///
/// This is the contract between the wire codec and the router core: the subscription table
/// consumes these values, the dashboard builds them to edit real uWSGI routers.
public struct SubscriptionPacket: Sendable, Hashable {
    /// What byte 3 of the header asks for: 0 subscribes (or refreshes), any other value unsubscribes.
    public enum Command: Sendable, Hashable {
        /// Byte 3 = 0: create or refresh the node.
        case subscribe
        /// Byte 3 ≠ 0 (the raw byte is kept so re-encoding is exact).
        case unsubscribe(UInt8)

        /// The header byte that encodes this command.
        public var modifier2: UInt8 {
            switch self {
            case .subscribe: return 0
            case .unsubscribe(let raw): return raw == 0 ? 1 : raw
            }
        }
    }

    /// One key/value item as it travelled, for keys the router does not interpret.
    public struct Field: Sendable, Hashable {
        /// The item's key.
        public var key: String
        /// The item's raw value bytes.
        public var value: [UInt8]

        /// Creates an item.
        public init(key: String, value: [UInt8]) {
            self.key = key
            self.value = value
        }
    }

    /// Header byte 0 as received (uWSGI senders put 224 there; routers ignore it).
    public var headerModifier1: UInt8
    /// Subscribe or unsubscribe, from header byte 3.
    public var command: Command
    /// The pool (slot) name and routing key; at most 255 bytes.
    public var key: String
    /// The node address and its identity within the slot; 1...255 bytes.
    public var address: String
    /// modifier1 forwarded to the node (only taken when the node is created).
    public var modifier1: UInt8?
    /// modifier2 forwarded to the node (only taken when the node is created).
    public var modifier2: UInt8?
    /// Announced cores (processes × cores); informational.
    public var cores: UInt64?
    /// Announced load; informational.
    public var load: UInt64?
    /// Announced weight; 0 means 1 on the router.
    public var weight: UInt64?
    /// Backup level (uWSGI master only).
    public var backup: UInt64?
    /// Epoch seconds stamp of a signed packet.
    public var unix: UInt64?
    /// Raw RSA signature; always the last item.
    public var sign: [UInt8]?
    /// SNI key path or PEM.
    public var sniKey: String?
    /// SNI certificate path or PEM.
    public var sniCrt: String?
    /// SNI CA path or PEM.
    public var sniCA: String?
    /// UNIX datagram path for the subscription acknowledgement.
    public var notify: String?
    /// Slot balancing algorithm (uWSGI master only): wrr, lrc, wlrc, iphash.
    public var algo: String?
    /// Node protocol (uWSGI master only): first byte `h` means HTTP.
    public var proto: String?
    /// Vassal name for on-demand spawning (uWSGI master only).
    public var vassal: String?
    /// Clear flag (uWSGI master only).
    public var clear: UInt64?
    /// Sent by uWSGI master's `--subscribe2`, not interpreted by routers.
    public var inactive: String?
    /// Keys nobody interprets, kept in arrival order.
    public var unknown: [Field]
    /// The order in which items arrived, so re-encoding reproduces the original bytes.
    public var itemOrder: [String]

    /// Creates a packet; only `key` and `address` are required by a router.
    public init(
        command: Command = .subscribe,
        key: String,
        address: String,
        modifier1: UInt8? = nil,
        modifier2: UInt8? = nil,
        cores: UInt64? = nil,
        load: UInt64? = nil,
        weight: UInt64? = nil,
        backup: UInt64? = nil,
        headerModifier1: UInt8 = 224
    ) {
        self.headerModifier1 = headerModifier1
        self.command = command
        self.key = key
        self.address = address
        self.modifier1 = modifier1
        self.modifier2 = modifier2
        self.cores = cores
        self.load = load
        self.weight = weight
        self.backup = backup
        self.unix = nil
        self.sign = nil
        self.sniKey = nil
        self.sniCrt = nil
        self.sniCA = nil
        self.notify = nil
        self.algo = nil
        self.proto = nil
        self.vassal = nil
        self.clear = nil
        self.inactive = nil
        self.unknown = []
        self.itemOrder = []
    }
}
