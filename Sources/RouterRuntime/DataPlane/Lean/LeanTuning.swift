import RouterConfig

/// What `--xxx-events` and `--xxx-buffer-size` set on a router's lean loops.
///
/// uWSGI's `-events` is the `maxevents` of one `epoll_wait`; a lean loop's batch is the same
/// thing (events per `epoll_wait`, or completions reaped per io_uring wait). uWSGI's
/// `-buffer-size` is each peer's first input buffer; a lean loop holds no buffer per peer (a
/// socket is read into one of the loop's pooled buffers, whose bytes are handed on), so the
/// value sizes those pooled buffers, and only upwards: reading a socket 4 KiB at a time
/// would multiply the reads of every body for nothing.
public struct LeanTuning: Sendable, Equatable {
    /// The batch when `-events` is not given.
    public static let defaultEventsPerWait = 256
    /// The most completions one io_uring wait reaps (the C side's batch array).
    public static let ringCompletionLimit = 256
    /// The pooled read buffers' size when `-buffer-size` is not larger.
    public static let minimumReadBufferSize = 64 * 1024

    /// Events per `epoll_wait`, completions per ring wait (capped at `ringCompletionLimit`).
    public var eventsPerWait: Int
    /// Bytes of each pooled read buffer: the most one read returns.
    public var readBufferSize: Int

    /// The tuning of a router with neither option.
    public init(eventsPerWait: Int = LeanTuning.defaultEventsPerWait, readBufferSize: Int = LeanTuning.minimumReadBufferSize) {
        self.eventsPerWait = max(1, eventsPerWait)
        self.readBufferSize = max(1, readBufferSize)
    }

    /// The tuning `spec`'s `-events` and `-buffer-size` ask for, on `backend`.
    public init(_ spec: RouterSpec, backend: LeanBackend) {
        let events = spec.events ?? Self.defaultEventsPerWait
        self.init(eventsPerWait: backend == .uring ? min(events, Self.ringCompletionLimit) : events,
                  readBufferSize: max(Self.minimumReadBufferSize, spec.bufferSize))
    }
}
