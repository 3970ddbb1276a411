import CLeanSockets

#if canImport(Glibc)
import Glibc
#endif

/// A named OS thread running one closure: what each lean loop runs on.
final class LeanThread: Sendable {
    private let handle: pthread_t

    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes show).
    init(name: String, body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
            _ = lean_set_thread_name(String(start.name.prefix(15)))
            start.body()
            return nil
        }, start)
        precondition(created == 0, "pthread_create failed: \(created)")
        self.handle = handle
    }

    /// Waits for the thread to end.
    func join() {
        _ = pthread_join(handle, nil)
    }
}
