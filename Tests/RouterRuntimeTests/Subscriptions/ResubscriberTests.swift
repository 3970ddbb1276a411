import CNIOLinux
import Foundation
import Logging
import NIOCore
import RouterConfig
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Resubscribe (router chaining)")
struct ResubscriberTests {
    @Test("the copy keeps command, key, modifiers and SNI, names this router's first listener, and is unsigned")
    func copy() throws {
        var packet = SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "10.0.0.5:3031",
                                        modifier1: 5, modifier2: 1, cores: 8, load: 3, weight: 9)
        packet.sniKey = "/k.pem"
        packet.sniCrt = "/c.pem"
        packet.sign = [1, 2, 3]
        packet.unix = 1_800_000_000
        let resubscriber = Resubscriber(address: "0.0.0.0:8080", targets: [], logger: Logger(label: "t"))
        let copy = resubscriber.forwarded(packet)
        #expect(copy.command == .unsubscribe(1) && copy.key == "app.local" && copy.address == "0.0.0.0:8080")
        #expect(copy.modifier1 == 5 && copy.modifier2 == 1)
        #expect(copy.sniKey == "/k.pem" && copy.sniCrt == "/c.pem")
        #expect(copy.sign == nil && copy.unix == nil && copy.weight == nil)
    }

    @Test("an accepted packet is sent on to every target; the configuration no longer refuses the option")
    func sends() throws {
        let receiver = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, length) == 0 && getsockname(receiver, $0, &length) == 0 }
        }
        #expect(bound)
        let port = UInt16(bigEndian: address.sin_port)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-subscription-server", "127.0.0.1:0",
            "--fastrouter-resubscribe", "127.0.0.1:\(port)",
        ], fileReader: { _ in "" })
        #expect(UnappliedOptions(configuration).refused.isEmpty)
        let spec = try #require(configuration.router(RouterKind.fastrouter))
        let resubscriber = try #require(try Resubscriber.make(spec: spec, logger: Logger(label: "t")))
        resubscriber.forward(SubscriptionPacket(key: "app.local", address: "127.0.0.1:3031"))

        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = recv(receiver, &buffer, buffer.count, 0)
        #expect(received > 0)
        let packet = try SubscriptionPacket(decoding: ByteBuffer(bytes: buffer.prefix(max(0, received))))
        #expect(packet.key == "app.local")
        #expect(packet.address == "127.0.0.1:0")
        #expect(resubscriber.failedSends == 0)
    }
}
