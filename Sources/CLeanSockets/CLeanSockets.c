#define _GNU_SOURCE
#include "CLeanSockets.h"

#include <errno.h>
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
