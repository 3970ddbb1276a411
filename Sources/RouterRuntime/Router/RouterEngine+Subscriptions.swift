import RouterCore
import RouterWire

extension RouterEngine: SubscriptionSink {
    /// Decodes one datagram and applies it to the subscription table; a malformed packet or
    /// one RouterCore refuses throws, so the server counts and logs it.
    public func receive(_ datagram: SubscriptionDatagram) throws {
        let packet = try SubscriptionPacket(decoding: datagram.bytes)
        let events = try core.withLockedValue { core throws(RouterCoreError) -> [RouterEvent] in
            try core.state.apply(packet)
        }
        publish(events)
    }
}
