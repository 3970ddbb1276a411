import CLeanRing
import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Something with requests in flight on a loop's io_uring (a node connection): each request's
/// completion comes back to it by its token.
protocol LeanCompletionTarget: AnyObject {
    /// The request `operation` completed with `result` (a count, or minus the errno).
    func completed(_ operation: UInt8, result: Int32)
    /// The loop is ending: cancel what is in flight.
    func loopEnding()
}

/// The io_uring side of a lean loop: a tick submits everything queued and waits for
/// completions in one `io_uring_enter`; readiness arrives as multishot polls (data: the
/// socket and its generation, as with epoll), other requests by token.
extension LeanEventLoop {
    /// The wake-up eventfd's poll.
    static let ringWakeData: UInt64 = 1 << 62
    /// Set on every request that reports to a completion target.
    static let ringTokenBit: UInt64 = 1 << 63

    func runRing(_ ring: LeanRing) {
        do { try ring.start() } catch {
            // The ring was created but cannot be enabled on this thread: nothing can run.
            fatalError("\(name): \(error)")
        }
        lean_ring_poll(ring.handle, wakeFD, lean_epollin, Self.ringWakeData)
        let capacity = eventsPerWait
        var completions = [lean_completion](repeating: lean_completion(), count: capacity)
        while true {
            let timeout = nextTimeout()
            let count = completions.withUnsafeMutableBufferPointer { lean_ring_wait(ring.handle, timeout, $0.baseAddress, CInt(capacity)) }
            now = .now()
            if count > 0 {
                noteBatch(Int(count))
                for index in 0..<Int(count) {
                    let completion = completions[index]
                    if completion.data & Self.ringTokenBit != 0 {
                        complete(completion)
                    } else if completion.data == Self.ringWakeData {
                        if completion.flags & lean_cqe_more == 0 { lean_ring_poll(ring.handle, wakeFD, lean_epollin, Self.ringWakeData) }
                        if runTasks() {
                            drainRing(ring)
                            return
                        }
                    } else if completion.data != 0 {
                        polled(completion, ring: ring)
                    }
                    runDeferred()
                }
            }
            runDeferred()
            runTimers()
        }
    }

    private func polled(_ completion: lean_completion, ring: LeanRing) {
        guard let handler = registeredHandler(completion.data) else { return }
        if completion.flags & lean_cqe_more == 0 {
            // The kernel ended the multishot poll (an overflow or an error): arm it again.
            let fd = CInt(truncatingIfNeeded: completion.data & 0xFFFF_FFFF)
            lean_ring_poll(ring.handle, fd, registrations[Int(fd)].events, completion.data)
        }
        guard completion.result > 0 else { return }
        handler.ready(UInt32(bitPattern: completion.result))
    }

    private func complete(_ completion: lean_completion) {
        let token = Int(truncatingIfNeeded: completion.data & 0xFFFF_FFFF)
        guard token < completionTargets.count, let target = completionTargets[token] else { return }
        target.completed(UInt8(truncatingIfNeeded: completion.data >> 32), result: completion.result)
    }

    /// At stop: node connections cancel what they have in flight, and the loop waits (at most
    /// a second) for the kernel to give their buffers back.
    private func drainRing(_ ring: LeanRing) {
        for target in completionTargets { target?.loopEnding() }
        let deadline = NIODeadline.now() + .seconds(1)
        var completions = [lean_completion](repeating: lean_completion(), count: 256)
        while completionTargets.contains(where: { $0 != nil }), NIODeadline.now() < deadline {
            let count = completions.withUnsafeMutableBufferPointer { lean_ring_wait(ring.handle, 10, $0.baseAddress, 256) }
            for index in 0..<max(0, Int(count)) where completions[index].data & Self.ringTokenBit != 0 {
                complete(completions[index])
            }
        }
    }

    // MARK: tokens

    /// A token for `target`'s requests; the loop holds `target` until `releaseToken`.
    func acquireToken(_ target: any LeanCompletionTarget) -> UInt32 {
        if let token = freeTokens.popLast() {
            completionTargets[Int(token)] = target
            return token
        }
        let token = UInt32(completionTargets.count)
        completionTargets.append(target)
        if Int(token) / Self.addressChunk >= addressChunks.count {
            addressChunks.append(.allocate(capacity: Self.addressChunk))
        }
        return token
    }

    /// Forgets a target with nothing in flight.
    func releaseToken(_ token: UInt32) {
        completionTargets[Int(token)] = nil
        freeTokens.append(token)
    }

    /// The user data of `token`'s request `operation`.
    static func ringData(token: UInt32, operation: UInt8) -> UInt64 {
        ringTokenBit | UInt64(operation) << 32 | UInt64(token)
    }

    static let addressChunk = 64

    /// `token`'s address storage, valid while the loop lives (a connect reads it at submit).
    func addressStorage(_ token: UInt32) -> UnsafeMutablePointer<sockaddr_storage> {
        addressChunks[Int(token) / Self.addressChunk] + Int(token) % Self.addressChunk
    }
}
