import Foundation
import Logging
import NIOCore
import NIOPosix
import RouterConfig
import ServiceLifecycle

/// The process's caches at run time: their UDP servers (uWSGI cache datagrams), the expiry
/// sweep every second and, when a cache changed since the last save, a write of the state file
/// (at most once a second, so a burst of datagrams costs one write).
final class CacheService: Service, Sendable {
    /// The caches, in configuration order.
    let stores: [RouteCacheStore]
    /// The UDP servers, as the startup lines name them, in configuration order.
    let sockets: [FleetRouterProcess.BoundSocket]
    /// Datagram counts per cache, in `stores` order.
    let counters: [CacheDatagramHandler.Counters]
    private let channels: [any Channel]
    private let writer: StateWriter?
    private let logger: Logger

    private init(stores: [RouteCacheStore], sockets: [FleetRouterProcess.BoundSocket], counters: [CacheDatagramHandler.Counters],
                 channels: [any Channel], writer: StateWriter?, logger: Logger) {
        self.stores = stores
        self.sockets = sockets
        self.counters = counters
        self.channels = channels
        self.writer = writer
        self.logger = logger
    }

    /// Binds every cache's UDP servers on `group` (`udp=` of each `--cache2`, and
    /// `--cache-udp-server` for the first cache). On failure what was bound is closed again.
    static func bind(configuration: RouterConfiguration, stores: [RouteCacheStore], writer: StateWriter?,
                     group: any EventLoopGroup, logger: Logger) async throws -> CacheService {
        var channels: [any Channel] = []
        var bound: [FleetRouterProcess.BoundSocket] = []
        var counters: [CacheDatagramHandler.Counters] = []
        do {
            for (index, spec) in configuration.caches.enumerated() {
                let store = stores[index]
                let count = CacheDatagramHandler.Counters()
                counters.append(count)
                let addresses = spec.udpServers + (index == 0 ? configuration.cacheUDPServers : [])
                for address in addresses {
                    let socket = try SocketAddressSpec(address.address)
                    guard case .inet = socket.kind else {
                        throw RuntimeError.bindFailed(address: address.configured, reason: "a cache UDP server needs an ip:port address")
                    }
                    let bootstrap = DatagramBootstrap(group: group)
                        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536 + 1))
                    let channel = try await bindOrExplain(socket) {
                        try await bootstrap.bind(to: try socket.resolved()) { channel in
                            channel.eventLoop.makeCompletedFuture { () throws -> any Channel in
                                try channel.pipeline.syncOperations.addHandler(CacheDatagramHandler(store: store, counters: count, logger: logger))
                                return channel
                            }
                        }
                    }
                    channels.append(channel)
                    let local = channel.localAddress.map(SocketAddressSpec.init(boundAddress:))?.configured ?? address.configured
                    bound.append(FleetRouterProcess.BoundSocket(router: spec.name, role: .cacheUDP, configured: address.configured, bound: local))
                    logger.info("cache UDP server listening", metadata: ["cache": "\(spec.name)", "address": "\(address.configured)"])
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return CacheService(stores: stores, sockets: bound, counters: counters, channels: channels, writer: writer, logger: logger)
    }

    /// Sweeps expired items and saves changes every second until shutdown; then closes the
    /// UDP servers and saves what changed last.
    func run() async throws {
        var saved = stores.map(\.changes)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: .seconds(1))
                saved = await sweepAndSave(since: saved)
            }
        } onGracefulShutdown: {}
        await close()
        _ = await sweepAndSave(since: saved)
    }

    /// Closes the UDP servers.
    func close() async {
        for channel in channels { try? await channel.close() }
    }

    /// Expires items and writes the state file when any cache changed since `saved`; the
    /// change counters now.
    private func sweepAndSave(since saved: [UInt64]) async -> [UInt64] {
        let now = UInt64(max(0, Date().timeIntervalSince1970))
        for store in stores { store.expire(now: now) }
        let current = stores.map(\.changes)
        guard current != saved, let writer, writer.stateFile != nil else { return current }
        // Blocking file I/O: off the cooperative pool's threads.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                _ = writer.save()
                done.resume()
            }.start()
        }
        return current
    }
}
