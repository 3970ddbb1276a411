// The few Linux calls the lean data plane makes that Swift's Glibc module does not expose
// (epoll, eventfd, accept4 flags, pipes and splice, thread names, recvmmsg). Only fixed-width types cross
// this header, so it pulls in no libc header of its own: Swift keeps seeing sockets' types
// through Glibc.
#ifndef CLEAN_SOCKETS_H
#define CLEAN_SOCKETS_H

#include <stdint.h>
#include <stddef.h>

extern const uint32_t lean_epollin;
extern const uint32_t lean_epollout;
extern const uint32_t lean_epollrdhup;
extern const uint32_t lean_epollerr;
extern const uint32_t lean_epollhup;
extern const uint32_t lean_epollet;
extern const uint32_t lean_epollexclusive;

/// One readiness report, unpacked from the (packed on x86-64) `struct epoll_event`.
typedef struct lean_event {
    uint32_t events;
    uint64_t data;
} lean_event;

int lean_epoll_create(void);
int lean_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int lean_epoll_delete(int epfd, int fd);
/// Waits for up to `capacity` events (at most 256) and unpacks them into `out`.
int lean_epoll_wait(int epfd, lean_event *out, int capacity, int timeout_ms);
int lean_eventfd(void);
/// A stream socket created non-blocking and close-on-exec in one call.
int lean_stream_socket(int family);
/// Accepts one client, non-blocking and close-on-exec, with its address (a `sockaddr_storage`).
int lean_accept(int fd, void *address, uint32_t *length);
int lean_errno(void);
/// Reads up to `count` bytes: the count, 0 at end of input, or -1 with errno.
long lean_read(int fd, void *bytes, size_t count);
/// Sends without raising SIGPIPE.
long lean_send(int fd, const void *bytes, size_t count);
/// Connects `fd` to the `length` bytes of socket address at `address`: 0, or -1 with errno.
int lean_connect(int fd, const void *address, uint32_t length);
/// Closes `fd`: 0, or -1 with errno.
int lean_close(int fd);
/// Gathers `count` `struct iovec`s into one send; never raises SIGPIPE.
long lean_sendv(int fd, const void *iov, int count);
int lean_set_int_option(int fd, int level, int name, int value);
/// The pending error of a socket whose connect failed.
int lean_socket_error(int fd);
/// Closes with a reset and no TIME_WAIT (`SO_LINGER` 0).
int lean_close_with_reset(int fd);
/// A non-blocking, close-on-exec pipe: 0, or -1 with errno.
int lean_pipe(int *read_end, int *write_end);
/// Asks for a pipe of `bytes` (F_SETPIPE_SZ); the capacity granted, or -1 with errno (EPERM past
/// the user's pipe allowance, `/proc/sys/fs/pipe-user-pages-soft`, or above `pipe-max-size`).
int lean_pipe_resize(int fd, int bytes);
/// A pipe's capacity in bytes (F_GETPIPE_SZ), or -1 with errno.
int lean_pipe_capacity(int fd);
/// Moves up to `count` bytes between a socket and a pipe without copying them through user
/// memory (`splice`, non-blocking); the count, 0 at end of input, or -1 with errno. Never
/// raises SIGPIPE: a gone peer is EPIPE.
long lean_splice(int from, int to, size_t count);
/// Names the calling thread (at most 15 bytes show).
int lean_set_thread_name(const char *name);
/// Puts the calling thread in `SCHED_BATCH` at nice 19: it runs when the threads of the normal
/// class leave the core, and its wakeups do not preempt them. Both are tried; 0, or minus the
/// errno of the first refused.
int lean_set_thread_background(void);


/// A reusable batch for `recvmmsg(2)`: room for `count` datagrams of `capacity` bytes each, with
/// a sender address and one `SCM_CREDENTIALS` message per datagram. Opaque; made once per
/// reader, so a receive allocates nothing.
typedef struct lean_datagram_batch lean_datagram_batch;

/// A batch of `count` (1...1024) datagrams of `capacity` bytes each, with `control` bytes
/// (at most 4096) of control messages each; NULL when out of memory or out of range.
lean_datagram_batch *lean_datagram_batch_create(int count, size_t capacity, size_t control);
/// The control room a batch reading `fd` needs: what its socket's control messages take
/// (SO_RXQ_OVFL and UDP_GRO for UDP, SCM_CREDENTIALS for a unix socket with SO_PASSCRED), and
/// too little beyond for one passed descriptor, which the kernel then discards uninstalled.
size_t lean_datagram_control_room(int fd);
/// The control room of a unix socket with SO_PASSCRED: SCM_CREDENTIALS, and too little beyond
/// for one passed descriptor (`lean_datagram_control_room` of such a socket).
size_t lean_credentials_control_room(void);
void lean_datagram_batch_destroy(lean_datagram_batch *batch);
/// Receives as many queued datagrams as the batch holds in one call, without waiting
/// (`MSG_DONTWAIT | MSG_TRUNC`): how many, or -1 with errno (EAGAIN when none is queued).
/// With `MSG_CMSG_CLOEXEC`; descriptors a unix datagram carries (`SCM_RIGHTS`) are closed at once.
int lean_datagram_batch_receive(int fd, lean_datagram_batch *batch);
/// Closes every descriptor the control messages in `control` (`length` bytes, as `recvmsg`
/// left `msg_controllen`) carry (`SCM_RIGHTS`), which the kernel installed in this process
/// when the message was read: a reader that wants none must close them, or any sender could
/// use up the process's descriptors. How many were closed.
int lean_close_passed_descriptors(void *control, size_t length);
/// Datagram `index` of the last receive: its first `capacity` bytes.
const uint8_t *lean_datagram_bytes(const lean_datagram_batch *batch, int index);
/// Its real length, which exceeds the capacity when the datagram was truncated.
size_t lean_datagram_length(const lean_datagram_batch *batch, int index);
/// Its sender's address (a `sockaddr_storage`) and the length the kernel gave (0: unnamed).
const void *lean_datagram_sender(const lean_datagram_batch *batch, int index, uint32_t *length);
/// Its sender's credentials (`SCM_CREDENTIALS`, with `SO_PASSCRED` on): 1 and the values, or 0
/// when it carries none.
int lean_datagram_credentials(const lean_datagram_batch *batch, int index, int32_t *pid, uint32_t *uid, uint32_t *gid);
/// With `lean_report_queue_drops` on: how many datagrams the socket had dropped (its queue was
/// full) when this one was queued, a running 32-bit count; 0 when none had been.
uint32_t lean_datagram_queue_drops(const lean_datagram_batch *batch, int index);
/// Has each datagram received on `fd` report the socket's drops so far (`SO_RXQ_OVFL`).
int lean_report_queue_drops(int fd);
/// Lets the UDP socket `fd` take a run of equally sized datagrams from one sender as one
/// coalesced read (`UDP_GRO`): a sender's UDP GSO batch is then queued whole instead of split
/// per datagram, and a NIC's GRO may join a flow's datagrams. 0, or -1 with errno.
int lean_accept_coalesced(int fd);
/// With `lean_accept_coalesced` on: the size of each datagram joined in datagram `index` (the
/// last may be shorter), or 0 when it is a single datagram.
uint32_t lean_datagram_segment_size(const lean_datagram_batch *batch, int index);

/// A non-blocking, close-on-exec timer descriptor on CLOCK_MONOTONIC (readable once it fires).
int lean_timerfd_create(void);
/// Arms `fd` to fire once at `deadline_ns` of CLOCK_MONOTONIC (at once if that has passed);
/// 0 disarms it.
int lean_timerfd_arm(int fd, uint64_t deadline_ns);
/// CLOCK_MONOTONIC now, in nanoseconds (the timers' clock).
uint64_t lean_monotonic_ns(void);

#endif
