#define _GNU_SOURCE
#include "CLeanSockets.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
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
    int n = (int)syscall(SYS_epoll_pwait, epfd, events, capacity, timeout_ms, NULL, 0);
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

// The lean loops never use thread cancellation, so their per-request system calls go
// through syscall(2): glibc's read, send, sendmsg, connect, close and epoll_wait are
// cancellation points, and each wraps the call in two bookkeeping calls.

long lean_read(int fd, void *bytes, size_t count) { return syscall(SYS_read, fd, bytes, count); }

long lean_send(int fd, const void *bytes, size_t count) { return syscall(SYS_sendto, fd, bytes, count, MSG_NOSIGNAL, NULL, 0); }

int lean_connect(int fd, const void *address, uint32_t length) { return (int)syscall(SYS_connect, fd, address, length); }

int lean_close(int fd) { return (int)syscall(SYS_close, fd); }

long lean_sendv(int fd, const void *iov, int count) {
    struct msghdr message = {0};
    message.msg_iov = (struct iovec *)iov;
    message.msg_iovlen = (size_t)count;
    return syscall(SYS_sendmsg, fd, &message, MSG_NOSIGNAL);
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

int lean_set_thread_background(void) {
    // Each on its own: a kernel refusing one still gets the other.
    struct sched_param param = {0};
    int result = 0;
    if (sched_setscheduler(0, SCHED_BATCH, &param) != 0) result = -errno;
    // PRIO_PROCESS with a thread id is that thread alone on Linux.
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) != 0 && result == 0) result = -errno;
    return result;
}

int lean_pipe(int *read_end, int *write_end) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    *read_end = fds[0];
    *write_end = fds[1];
    return 0;
}

int lean_pipe_resize(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }

int lean_pipe_capacity(int fd) { return fcntl(fd, F_GETPIPE_SZ); }

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

// One allocation holds the headers, the vectors, the addresses, the control buffers and the
// datagrams' bytes.
struct lean_datagram_batch {
    int count;
    size_t capacity;
    size_t control;
    struct mmsghdr *headers;
    struct iovec *vectors;
    struct sockaddr_storage *senders;
    unsigned char *controls;
    unsigned char *bytes;
};

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

// The control messages a datagram on `fd` can carry that the reader wants, and no room beyond
// them for even one passed descriptor (CMSG_LEN(sizeof(int)), 20 bytes): the kernel then
// discards any a sender passes instead of installing them in this process. UDP: SO_RXQ_OVFL
// and UDP_GRO (UDP carries no descriptors). A unix socket: SCM_CREDENTIALS with SO_PASSCRED
// on (unix sockets report no SO_RXQ_OVFL), and 16 bytes, too few for a descriptor.
size_t lean_datagram_control_room(int fd) {
    int domain = 0;
    socklen_t length = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_UNIX) {
        int passing = 0;
        length = sizeof passing;
        int credentials = getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &passing, &length) == 0 && passing;
        return credentials ? lean_credentials_control_room() : 16;
    }
    return CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(int));
}

size_t lean_credentials_control_room(void) { return CMSG_SPACE(sizeof(struct ucred)) + 16; }

lean_datagram_batch *lean_datagram_batch_create(int count, size_t capacity, size_t control) {
    if (count < 1 || count > 1024 || capacity < 1 || capacity > (1 << 20) || control > 4096) return NULL;
    lean_datagram_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->count = count;
    batch->capacity = capacity;
    batch->headers = calloc((size_t)count, sizeof *batch->headers);
    batch->vectors = calloc((size_t)count, sizeof *batch->vectors);
    batch->senders = calloc((size_t)count, sizeof *batch->senders);
    batch->control = control;
    batch->controls = calloc((size_t)count, control > 0 ? control : 1);
    batch->bytes = malloc((size_t)count * capacity);
    if (!batch->headers || !batch->vectors || !batch->senders || !batch->controls || !batch->bytes) {
        lean_datagram_batch_destroy(batch);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        batch->vectors[i].iov_base = batch->bytes + (size_t)i * capacity;
        batch->vectors[i].iov_len = capacity;
        batch->headers[i].msg_hdr.msg_iov = &batch->vectors[i];
        batch->headers[i].msg_hdr.msg_iovlen = 1;
    }
    return batch;
}

void lean_datagram_batch_destroy(lean_datagram_batch *batch) {
    if (!batch) return;
    free(batch->headers);
    free(batch->vectors);
    free(batch->senders);
    free(batch->controls);
    free(batch->bytes);
    free(batch);
}

int lean_datagram_batch_receive(int fd, lean_datagram_batch *batch) {
    // recvmmsg writes back each header's name and control lengths: give the room again.
    for (int i = 0; i < batch->count; i++) {
        struct msghdr *header = &batch->headers[i].msg_hdr;
        header->msg_name = &batch->senders[i];
        header->msg_namelen = sizeof(struct sockaddr_storage);
        header->msg_control = batch->controls + (size_t)i * batch->control;
        header->msg_controllen = batch->control;
        header->msg_flags = 0;
        batch->headers[i].msg_len = 0;
    }
    int count = recvmmsg(fd, batch->headers, (unsigned int)batch->count, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC, NULL);
    for (int i = 0; i < count; i++) {
        struct msghdr *header = &batch->headers[i].msg_hdr;
        lean_close_passed_descriptors(header->msg_control, header->msg_controllen);
    }
    return count;
}

int lean_close_passed_descriptors(void *control, size_t length) {
    int closed = 0;
    struct msghdr walk = { .msg_control = control, .msg_controllen = length };
    struct msghdr *walked = &walk;
    for (struct cmsghdr *message = CMSG_FIRSTHDR(walked); message; message = CMSG_NXTHDR(walked, message)) {
        if (message->cmsg_level != SOL_SOCKET || message->cmsg_type != SCM_RIGHTS || message->cmsg_len < CMSG_LEN(0)) continue;
        // Only what lies inside the buffer, whatever the header claims.
        size_t room = (size_t)((unsigned char *)control + length - CMSG_DATA(message));
        size_t data = message->cmsg_len - CMSG_LEN(0);
        size_t passed = (data < room ? data : room) / sizeof(int);
        for (size_t k = 0; k < passed; k++) {
            int descriptor;
            memcpy(&descriptor, CMSG_DATA(message) + k * sizeof(int), sizeof descriptor);
            if (descriptor >= 0 && close(descriptor) == 0) closed++;
        }
    }
    return closed;
}

const uint8_t *lean_datagram_bytes(const lean_datagram_batch *batch, int index) {
    return batch->bytes + (size_t)index * batch->capacity;
}

size_t lean_datagram_length(const lean_datagram_batch *batch, int index) { return batch->headers[index].msg_len; }

const void *lean_datagram_sender(const lean_datagram_batch *batch, int index, uint32_t *length) {
    *length = batch->headers[index].msg_hdr.msg_namelen;
    return &batch->senders[index];
}

// Datagram `index`'s control message of `level` and `type` with at least `size` bytes of
// data: its data, or NULL when it carries none.
static const unsigned char *control_data(const lean_datagram_batch *batch, int index, int level, int type, size_t size) {
    struct msghdr *header = (struct msghdr *)&batch->headers[index].msg_hdr;
    for (struct cmsghdr *message = CMSG_FIRSTHDR(header); message; message = CMSG_NXTHDR(header, message)) {
        const unsigned char *end = (const unsigned char *)header->msg_control + header->msg_controllen;
        if (message->cmsg_level == level && message->cmsg_type == type && message->cmsg_len >= CMSG_LEN(size)
            && size <= (size_t)(end - CMSG_DATA(message))) {
            return CMSG_DATA(message);
        }
    }
    return NULL;
}

int lean_datagram_credentials(const lean_datagram_batch *batch, int index, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    const unsigned char *data = control_data(batch, index, SOL_SOCKET, SCM_CREDENTIALS, sizeof(struct ucred));
    if (!data) return 0;
    struct ucred credentials;
    memcpy(&credentials, data, sizeof credentials);
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 1;
}

uint32_t lean_datagram_queue_drops(const lean_datagram_batch *batch, int index) {
    const unsigned char *data = control_data(batch, index, SOL_SOCKET, SO_RXQ_OVFL, sizeof(uint32_t));
    uint32_t drops = 0;
    if (data) memcpy(&drops, data, sizeof drops);
    return drops;
}

int lean_report_queue_drops(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
}

int lean_accept_coalesced(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on);
}

uint32_t lean_datagram_segment_size(const lean_datagram_batch *batch, int index) {
    const unsigned char *data = control_data(batch, index, SOL_UDP, UDP_GRO, sizeof(int));
    int size = 0;
    if (data) memcpy(&size, data, sizeof size);
    return size > 0 ? (uint32_t)size : 0;
}

int lean_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int lean_timerfd_arm(int fd, uint64_t deadline_ns) {
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    spec.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

uint64_t lean_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
