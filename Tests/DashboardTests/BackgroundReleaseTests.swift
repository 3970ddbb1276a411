import Synchronization
import Testing
@testable import Dashboard

#if canImport(Glibc)
import Glibc
#endif

/// Values handed to `BackgroundRelease` are freed, and not on the thread that handed them over.
struct BackgroundReleaseTests {
    /// Where a tracked object was freed.
    final class Record: Sendable {
        let thread = Mutex<pthread_t?>(nil)
    }

    /// Records the thread its deinit runs on.
    final class Tracked: Sendable {
        let record: Record

        init(_ record: Record) { self.record = record }

        deinit { record.thread.withLock { $0 = pthread_self() } }
    }

    /// A value holding the only reference to a tracked object.
    struct Holder: Sendable {
        var object: Tracked
    }

    @Test("the last reference is dropped on the release queue")
    func dropsOffTheCallingThread() {
        let record = Record()
        let holder = Holder(object: Tracked(record))
        BackgroundRelease.release(consume holder)
        BackgroundRelease.flush()
        let thread = record.thread.withLock { $0 }
        #expect(thread != nil)
        if let thread { #expect(pthread_equal(thread, pthread_self()) == 0) }
    }
}
