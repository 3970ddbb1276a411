import NIOCore

extension SubscriptionPacket {
    /// Encodes the packet as a datagram: header (`headerModifier1`, datasize = body length, command
    /// byte) and the items, in `itemOrder` when it is set (a decoded packet re-encodes to its own
    /// bytes), otherwise in uWSGI's order (§2.3) with unknown items before `unix` and `sign`.
    public func encode(into out: inout ByteBuffer) throws(WireError) {
        let start = UwsgiPacketEncoder.beginPacket(modifier1: self.headerModifier1, modifier2: self.command.modifier2, in: &out)
        do {
            try self.writeItems(into: &out)
        } catch {
            out.moveWriterIndex(to: start)
            throw error
        }
        let size = out.writerIndex - start
        guard size <= Self.maximumDatagramSize else {
            out.moveWriterIndex(to: start)
            throw .datagramTooLarge(size: size, limit: Self.maximumDatagramSize)
        }
        try UwsgiPacketEncoder.finishPacket(startedAt: start, in: &out)
    }

    /// The encoded datagram in a new buffer.
    public func encoded() throws(WireError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try self.encode(into: &buffer)
        return buffer
    }

    private func writeItems(into out: inout ByteBuffer) throws(WireError) {
        var written: UInt32 = 0
        var unknownWritten = [Bool](repeating: false, count: self.unknown.count)

        for name in self.itemOrder {
            if let known = SubscriptionItemKey(rawValue: name) {
                try self.write(known, into: &out)
                written |= known.bit
            } else if let index = self.unknown.indices.first(where: { !unknownWritten[$0] && self.unknown[$0].key == name }) {
                try out.writeUwsgiVar(key: name, value: self.unknown[index].value)
                unknownWritten[index] = true
            }
        }
        // Whatever the order did not mention (or every item, for a packet built in code).
        for known in SubscriptionItemKey.canonicalHead where written & known.bit == 0 {
            try self.write(known, into: &out)
        }
        for index in self.unknown.indices where !unknownWritten[index] {
            try out.writeUwsgiVar(key: self.unknown[index].key, value: self.unknown[index].value)
        }
        for known in SubscriptionItemKey.canonicalTail where written & known.bit == 0 {
            try self.write(known, into: &out)
        }
    }

    /// Writes one typed item if it has a value; `key` and `address` are always written.
    private func write(_ name: SubscriptionItemKey, into out: inout ByteBuffer) throws(WireError) {
        func number(_ value: (some BinaryInteger)?) throws(WireError) {
            if let value { try out.writeUwsgiVar(key: name.rawValue, value: String(value)) }
        }
        func text(_ value: String?) throws(WireError) {
            if let value { try out.writeUwsgiVar(key: name.rawValue, value: value) }
        }
        switch name {
        case .key: try out.writeUwsgiVar(key: "key", value: self.key)
        case .address: try out.writeUwsgiVar(key: "address", value: self.address)
        case .modifier1: try number(self.modifier1)
        case .modifier2: try number(self.modifier2)
        case .cores: try number(self.cores)
        case .load: try number(self.load)
        case .weight: try number(self.weight)
        case .backup: try number(self.backup)
        case .unix: try number(self.unix)
        case .clear: try number(self.clear)
        case .sign: if let sign = self.sign { try out.writeUwsgiVar(key: "sign", value: sign) }
        case .sniKey: try text(self.sniKey)
        case .sniCrt: try text(self.sniCrt)
        case .sniCA: try text(self.sniCA)
        case .notify: try text(self.notify)
        case .algo: try text(self.algo)
        case .proto: try text(self.proto)
        case .vassal: try text(self.vassal)
        case .inactive: try text(self.inactive)
        }
    }
}
