// The few Linux calls the lean data plane makes that Swift's Glibc module does not expose
// (epoll, eventfd, accept4 flags), as inline wrappers with plain integer types.
#ifndef CLEAN_SOCKETS_H
#define CLEAN_SOCKETS_H

#ifdef __linux__
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

// Declared here rather than through _GNU_SOURCE, which would change every libc header's view.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

/// Names the calling thread (at most 15 bytes show).
static inline int lean_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

static const uint32_t lean_epollin = EPOLLIN;
static const uint32_t lean_epollout = EPOLLOUT;
static const uint32_t lean_epollrdhup = EPOLLRDHUP;
static const uint32_t lean_epollerr = EPOLLERR;
static const uint32_t lean_epollhup = EPOLLHUP;
static const uint32_t lean_epollet = EPOLLET;
static const uint32_t lean_epollexclusive = EPOLLEXCLUSIVE;

/// One readiness report, unpacked from the (packed on x86-64) `struct epoll_event`.
typedef struct lean_event {
    uint32_t events;
    uint64_t data;
} lean_event;

static inline int lean_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static inline int lean_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static inline int lean_epoll_delete(int epfd, int fd) {
    struct epoll_event ev = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

/// Waits for up to `capacity` events (at most 256) and unpacks them into `out`.
static inline int lean_epoll_wait(int epfd, lean_event *out, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int n = epoll_wait(epfd, events, capacity, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = events[i].events;
        out[i].data = events[i].data.u64;
    }
    return n;
}

static inline int lean_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/// A stream socket created non-blocking and close-on-exec in one call.
static inline int lean_stream_socket(int family) {
    return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/// Accepts one client, non-blocking and close-on-exec, with its address.
static inline int lean_accept(int fd, struct sockaddr_storage *address, socklen_t *length) {
    return accept4(fd, (struct sockaddr *)address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static inline int lean_errno(void) { return errno; }

static inline ssize_t lean_send(int fd, const void *bytes, size_t count) {
    return send(fd, bytes, count, MSG_NOSIGNAL);
}

/// Gathers `count` buffers into one send; never raises SIGPIPE.
static inline ssize_t lean_sendv(int fd, const struct iovec *iov, int count) {
    struct msghdr message = {0};
    message.msg_iov = (struct iovec *)iov;
    message.msg_iovlen = (size_t)count;
    return sendmsg(fd, &message, MSG_NOSIGNAL);
}

static inline int lean_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

static inline int lean_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
}

/// Closes with a reset and no TIME_WAIT (`SO_LINGER` 0).
static inline int lean_close_with_reset(int fd) {
    struct linger linger = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    return close(fd);
}
#endif

#endif
