// The few Linux calls the lean data plane makes that Swift's Glibc module does not expose
// (epoll, eventfd, accept4 flags, pipes and splice, thread names). Only fixed-width types cross
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
/// Sends without raising SIGPIPE.
long lean_send(int fd, const void *bytes, size_t count);
/// Gathers `count` `struct iovec`s into one send; never raises SIGPIPE.
long lean_sendv(int fd, const void *iov, int count);
int lean_set_int_option(int fd, int level, int name, int value);
/// The pending error of a socket whose connect failed.
int lean_socket_error(int fd);
/// Closes with a reset and no TIME_WAIT (`SO_LINGER` 0).
int lean_close_with_reset(int fd);
/// A non-blocking, close-on-exec pipe: 0, or -1 with errno.
int lean_pipe(int *read_end, int *write_end);
/// Moves up to `count` bytes between a socket and a pipe without copying them through user
/// memory (`splice`, non-blocking); the count, 0 at end of input, or -1 with errno. Never
/// raises SIGPIPE: a gone peer is EPIPE.
long lean_splice(int from, int to, size_t count);
/// Names the calling thread (at most 15 bytes show).
int lean_set_thread_name(const char *name);

#endif
