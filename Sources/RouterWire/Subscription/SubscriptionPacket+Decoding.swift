import NIOCore

extension SubscriptionPacket {
    /// The largest datagram a uWSGI router reads (longer ones are truncated there, refused here).
    public static let maximumDatagramSize = 4096
    /// The longest `key` a slot can hold.
    public static let maximumKeyLength = 255
    /// The longest `address` uWSGI 2.0 accepts.
    public static let maximumAddressLength = 255
    /// The longest `notify` path uWSGI stores.
    public static let maximumNotifyLength = 101

    /// Decodes one subscription datagram (header + var block).
    ///
    /// Like uWSGI, header bytes 0–2 are not interpreted (byte 0 is kept for re-encoding) and the
    /// body is everything after the header; byte 3 = 0 subscribes, anything else unsubscribes.
    /// Unlike uWSGI, values it would silently turn into garbage are refused with a typed error.
    public init(decoding datagram: ByteBuffer) throws(WireError) {
        let size = datagram.readableBytes
        guard size <= Self.maximumDatagramSize else {
            throw .datagramTooLarge(size: size, limit: Self.maximumDatagramSize)
        }
        guard let header = datagram.getUwsgiHeader(at: datagram.readerIndex),
              let body = datagram.getSlice(at: datagram.readerIndex + UwsgiHeader.size, length: size - UwsgiHeader.size)
        else { throw .datagramTooShort(size: size) }
        let vars = try UwsgiVars(validating: body)

        var key: String?
        var address: String?
        self.init(command: header.modifier2 == 0 ? .subscribe : .unsubscribe(header.modifier2), key: "", address: "",
                  headerModifier1: header.modifier1)
        self.itemOrder.reserveCapacity(vars.count)

        for item in vars {
            guard let name = SubscriptionItemKey.lookup(item.key) else {
                guard let unknownName = String(validating: item.key, as: UTF8.self) else {
                    throw .invalidText(key: String(decoding: item.key.prefix(64), as: UTF8.self))
                }
                self.unknown.append(Field(key: unknownName, value: Array(item.value)))
                self.itemOrder.append(unknownName)
                continue
            }
            self.itemOrder.append(name.rawValue)
            let value = item.value
            switch name {
            case .key:
                key = try Self.text(value, name, limit: Self.maximumKeyLength)
            case .address:
                let text = try Self.text(value, name, limit: Self.maximumAddressLength)
                guard !text.isEmpty else { throw .emptyField(name.rawValue) }
                address = text
            case .modifier1: self.modifier1 = UInt8(try Self.number(value, name, maximum: UInt64(UInt8.max)))
            case .modifier2: self.modifier2 = UInt8(try Self.number(value, name, maximum: UInt64(UInt8.max)))
            case .cores: self.cores = try Self.number(value, name)
            case .load: self.load = try Self.number(value, name)
            case .weight: self.weight = try Self.number(value, name)
            case .backup: self.backup = try Self.number(value, name)
            case .unix: self.unix = try Self.number(value, name)
            case .clear: self.clear = try Self.number(value, name)
            case .sign: self.sign = Array(value)
            case .sniKey: self.sniKey = try Self.text(value, name)
            case .sniCrt: self.sniCrt = try Self.text(value, name)
            case .sniCA: self.sniCA = try Self.text(value, name)
            case .notify: self.notify = try Self.text(value, name, limit: Self.maximumNotifyLength)
            case .algo: self.algo = try Self.text(value, name)
            case .proto: self.proto = try Self.text(value, name)
            case .vassal: self.vassal = try Self.text(value, name)
            case .inactive: self.inactive = try Self.text(value, name)
            }
        }
        guard let key else { throw .missingField(SubscriptionItemKey.key.rawValue) }
        guard let address else { throw .missingField(SubscriptionItemKey.address.rawValue) }
        self.key = key
        self.address = address
    }

    /// Plain unsigned ASCII decimal digits, at most `maximum`; anything else is refused.
    static func number(_ bytes: ByteBufferView, _ key: SubscriptionItemKey, maximum: UInt64 = .max) throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var valid = !bytes.isEmpty
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { valid = false; break }
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, sum <= maximum else { valid = false; break }
            result = sum
        }
        guard valid else {
            throw .invalidNumber(key: key.rawValue, value: String(decoding: bytes.prefix(64), as: UTF8.self))
        }
        return result
    }

    /// UTF-8 text of at most `limit` bytes.
    static func text(_ bytes: ByteBufferView, _ key: SubscriptionItemKey, limit: Int = .max) throws(WireError) -> String {
        guard bytes.count <= limit else {
            throw .fieldTooLong(key: key.rawValue, length: bytes.count, limit: limit)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidText(key: key.rawValue) }
        return text
    }
}
