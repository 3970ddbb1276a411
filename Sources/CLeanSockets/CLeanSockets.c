#define _GNU_SOURCE
#include "CLeanSockets.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

const uint32_t lean_epollin = EPOLLIN;
const uint32_t lean_epollout = EPOLLOUT;
const uint32_t lean_epollrdhup = EPOLLRDHUP;
const uint32_t lean_epollerr = EPOLLERR;
const uint32_t lean_epollhup = EPOLLHUP;
const uint32_t lean_epollet = EPOLLET;
const uint32_t lean_epollexclusive = EPOLLEXCLUSIVE;

int lean_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int lean_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int lean_epoll_delete(int epfd, int fd) {
    struct epoll_event ev = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

int lean_epoll_wait(int epfd, lean_event *out, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int n = epoll_wait(epfd, events, capacity, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = events[i].events;
        out[i].data = events[i].data.u64;
    }
    return n;
}

int lean_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int lean_stream_socket(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

int lean_accept(int fd, void *address, uint32_t *length) {
    socklen_t size = *length;
    int client = accept4(fd, (struct sockaddr *)address, &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    *length = size;
    return client;
}

int lean_errno(void) { return errno; }

long lean_send(int fd, const void *bytes, size_t count) { return send(fd, bytes, count, MSG_NOSIGNAL); }

long lean_sendv(int fd, const void *iov, int count) {
    struct msghdr message = {0};
    message.msg_iov = (struct iovec *)iov;
    message.msg_iovlen = (size_t)count;
    return sendmsg(fd, &message, MSG_NOSIGNAL);
}

int lean_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int lean_socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
}

int lean_close_with_reset(int fd) {
    struct linger linger = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    return close(fd);
}

int lean_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

int lean_pipe(int *read_end, int *write_end) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    *read_end = fds[0];
    *write_end = fds[1];
    return 0;
}

// A splice into a socket whose peer is gone raises SIGPIPE (the kernel sends without
// MSG_NOSIGNAL): the calling thread blocks it once, and a SIGPIPE left pending by a failed
// splice is taken back at once, so only EPIPE reports it.
static __thread int lean_sigpipe_blocked;

long lean_splice(int from, int to, size_t count) {
    if (!lean_sigpipe_blocked) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
        lean_sigpipe_blocked = 1;
    }
    long moved = splice(from, NULL, to, NULL, count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (moved < 0 && errno == EPIPE) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        struct timespec none = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &none) == SIGPIPE) {}
        errno = EPIPE;
    }
    return moved;
}
