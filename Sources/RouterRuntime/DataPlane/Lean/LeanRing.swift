import CLeanRing

#if canImport(Glibc)
import Glibc
#endif

/// A lean loop's io_uring: its queues, what the kernel's probe says it supports, and its
/// table of direct-descriptor slots (sockets created straight into the ring, so a node's
/// socket, connect, send and receive go in as one linked chain). Used only on its loop's
/// thread after `start`.
final class LeanRing {
    /// Submissions the ring holds; completions get eight times as many.
    static let entries: UInt32 = 512
    /// Direct-descriptor slots registered per loop (fewer when `RLIMIT_NOFILE` is lower);
    /// nodes past them get ordinary descriptors.
    static let slotCount = 4096

    let handle: OpaquePointer
    private let ops: UInt32
    private var freeSlots: [CInt] = []

    /// A ring, refused with the kernel's errno where io_uring is unavailable (ENOSYS on an old
    /// kernel, EPERM under a seccomp filter or `kernel.io_uring_disabled`).
    init() throws(LeanSocketError) {
        var error: CInt = 0
        guard let handle = lean_ring_create(Self.entries, &error) else {
            throw LeanSocketError(call: "io_uring_queue_init", errno: error)
        }
        self.handle = handle
        self.ops = lean_ring_ops(handle)
    }

    deinit {
        lean_ring_destroy(handle)
    }

    /// Enables the ring on the calling thread (its one submitter) and registers the slots.
    func start() throws(LeanSocketError) {
        var limit = rlimit()
        getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit)
        let slots = CInt(min(UInt64(Self.slotCount), UInt64(limit.rlim_cur)))
        let registered = lean_ring_start(handle, UInt32(slots))
        guard registered >= 0 else { throw LeanSocketError(call: "io_uring_enable_rings", errno: -registered) }
        freeSlots = (0..<registered).reversed().map { CInt($0) }
    }

    /// Whether the kernel creates sockets from the ring (`IORING_OP_SOCKET`, Linux 5.19).
    var createsSockets: Bool { ops & UInt32(lean_ring_op_socket) != 0 }
    /// Whether the kernel closes descriptors from the ring (`IORING_OP_CLOSE`, Linux 5.6).
    var closes: Bool { ops & UInt32(lean_ring_op_close) != 0 }
    /// Whether the kernel shuts sockets down from the ring (`IORING_OP_SHUTDOWN`, Linux 5.11).
    var shutsDown: Bool { ops & UInt32(lean_ring_op_shutdown) != 0 }

    /// A free direct-descriptor slot, if any.
    func takeSlot() -> CInt? {
        freeSlots.popLast()
    }

    /// Returns a slot whose close was submitted.
    func giveSlot(_ slot: CInt) {
        freeSlots.append(slot)
    }

    /// Closes a descriptor through the ring where the kernel can, directly otherwise.
    func close(_ fd: CInt) {
        if closes { lean_ring_close(handle, fd, 0, 0) } else { _ = Glibc.close(fd) }
    }
}
