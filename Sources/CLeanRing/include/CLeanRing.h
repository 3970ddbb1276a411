// The io_uring calls the lean data plane makes, wrapped around liburing (whose helpers are
// inline functions Swift cannot call). Like CLeanSockets, only fixed-width types and an opaque
// ring cross this header, so Swift keeps seeing sockets' types through Glibc alone.
#ifndef CLEAN_RING_H
#define CLEAN_RING_H

#include <stdint.h>
#include <stddef.h>

/// One loop's submission and completion queues (a `struct io_uring`), owned by one thread.
typedef struct lean_ring lean_ring;

/// One completion, copied out of the completion queue.
typedef struct lean_completion {
    uint64_t data;
    int32_t result;
    uint32_t flags;
} lean_completion;

/// The completion flag saying a multishot request stays armed.
extern const uint32_t lean_cqe_more;

/// What the kernel supports, from `io_uring_get_probe_ring`.
enum {
    lean_ring_op_socket = 1 << 0,
    lean_ring_op_close = 1 << 1,
    lean_ring_op_shutdown = 1 << 2,
};

/// A ring of `entries` submissions, disabled until `lean_ring_start`; NULL, with the errno in
/// `error`, when the kernel refuses io_uring (ENOSYS, EPERM under seccomp, ...).
lean_ring *lean_ring_create(unsigned entries, int *error);
void lean_ring_destroy(lean_ring *ring);
/// On the thread that will submit, before any submission: enables the ring and registers a
/// sparse table of `slots` direct descriptors. Returns the slots registered (0 when refused),
/// or minus the errno when the ring cannot be enabled.
int lean_ring_start(lean_ring *ring, unsigned slots);
/// The `lean_ring_op_*` bits the kernel supports.
uint32_t lean_ring_ops(lean_ring *ring);
/// Makes sure `count` submissions fit without an intermediate submit (a link chain must not
/// be split across two submits).
void lean_ring_reserve(lean_ring *ring, unsigned count);
/// Submits what is queued, waits up to `timeout_ms` (-1: no limit, 0: no wait) for at least
/// one completion, and copies up to `capacity` completions into `out`. Returns the count, or
/// minus the errno of a failed submit.
int lean_ring_wait(lean_ring *ring, int timeout_ms, lean_completion *out, int capacity);

/// Submits what is queued and runs the kernel's deferred completion work now, leaving the
/// completions in the queue for the next `lean_ring_wait`.
void lean_ring_flush(lean_ring *ring);

/// A multishot poll of `fd` for `events` (poll bits, the same values as epoll's).
void lean_ring_poll(lean_ring *ring, int fd, uint32_t events, uint64_t data);
/// Ends the multishot poll submitted with `target`; its completion has `data`. An
/// `IORING_OP_ASYNC_CANCEL`, not `IORING_OP_POLL_REMOVE`: a poll remove fails with EALREADY
/// while a wake-up of the poll is pending, and the poll (with its hold on the socket) stays.
void lean_ring_poll_remove(lean_ring *ring, uint64_t target, uint64_t data);
/// Cancels the request submitted with `target`.
void lean_ring_cancel(lean_ring *ring, uint64_t target, uint64_t data);
/// A socket created straight into direct-descriptor slot `slot`.
void lean_ring_socket(lean_ring *ring, int family, unsigned slot, uint64_t data, int link);
/// Connects `file` (a descriptor, or a slot when `fixed`) to `address`, which must stay valid
/// until the next `lean_ring_wait`.
void lean_ring_connect(lean_ring *ring, int file, int fixed, const void *address, uint32_t length, uint64_t data, int link);
/// Sends `count` bytes (without SIGPIPE); the bytes stay valid until the completion.
void lean_ring_send(lean_ring *ring, int file, int fixed, const void *bytes, size_t count, uint64_t data, int link);
/// Receives up to `count` bytes into `bytes`, which stay valid until the completion.
void lean_ring_recv(lean_ring *ring, int file, int fixed, void *bytes, size_t count, uint64_t data, int link);
/// Shuts `how` of `file`.
void lean_ring_shutdown(lean_ring *ring, int file, int fixed, int how, uint64_t data);
/// Closes `file` (a descriptor, or a slot when `fixed`).
void lean_ring_close(lean_ring *ring, int file, int fixed, uint64_t data);
/// Sets `SO_LINGER` 0 on `fd`, so its close sends a reset and leaves no TIME_WAIT.
int lean_set_linger_zero(int fd);

#endif
