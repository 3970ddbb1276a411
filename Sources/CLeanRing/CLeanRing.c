#define _GNU_SOURCE
#include "CLeanRing.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const uint32_t lean_cqe_more = IORING_CQE_F_MORE;

struct lean_ring {
    struct io_uring ring;
    int disabled;
    uint32_t ops;
};

lean_ring *lean_ring_create(unsigned entries, int *error) {
    lean_ring *ring = calloc(1, sizeof(*ring));
    if (!ring) {
        *error = ENOMEM;
        return NULL;
    }
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    // One thread submits, and completions run when it asks for them: the cheapest mode.
    // Disabled until the loop's thread enables it, since that thread becomes the submitter.
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
    params.cq_entries = entries * 8;
    int result = io_uring_queue_init_params(entries, &ring->ring, &params);
    if (result == -EINVAL) {
        // An older kernel: the plain mode.
        memset(&params, 0, sizeof(params));
        params.flags = IORING_SETUP_CQSIZE;
        params.cq_entries = entries * 8;
        result = io_uring_queue_init_params(entries, &ring->ring, &params);
    } else if (result == 0) {
        ring->disabled = 1;
    }
    if (result < 0) {
        free(ring);
        *error = -result;
        return NULL;
    }
    struct io_uring_probe *probe = io_uring_get_probe_ring(&ring->ring);
    if (probe) {
        if (io_uring_opcode_supported(probe, IORING_OP_SOCKET)) ring->ops |= lean_ring_op_socket;
        if (io_uring_opcode_supported(probe, IORING_OP_CLOSE)) ring->ops |= lean_ring_op_close;
        if (io_uring_opcode_supported(probe, IORING_OP_SHUTDOWN)) ring->ops |= lean_ring_op_shutdown;
        io_uring_free_probe(probe);
    }
    return ring;
}

void lean_ring_destroy(lean_ring *ring) {
    io_uring_queue_exit(&ring->ring);
    free(ring);
}

int lean_ring_start(lean_ring *ring, unsigned slots) {
    if (ring->disabled) {
        // liburing 2.3 declares io_uring_enable_rings but does not export it.
        if (syscall(__NR_io_uring_register, ring->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0) return -errno;
        ring->disabled = 0;
    }
    if (slots == 0) return 0;
    return io_uring_register_files_sparse(&ring->ring, slots) == 0 ? (int)slots : 0;
}

uint32_t lean_ring_ops(lean_ring *ring) { return ring->ops; }

void lean_ring_reserve(lean_ring *ring, unsigned count) {
    if (io_uring_sq_space_left(&ring->ring) < count) io_uring_submit(&ring->ring);
}

static struct io_uring_sqe *next_sqe(lean_ring *ring) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring->ring);
    while (!sqe) {
        io_uring_submit(&ring->ring);
        sqe = io_uring_get_sqe(&ring->ring);
    }
    return sqe;
}

static void finish(struct io_uring_sqe *sqe, int fixed, uint64_t data, int link) {
    unsigned flags = 0;
    if (fixed) flags |= IOSQE_FIXED_FILE;
    if (link) flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_flags(sqe, flags);
    io_uring_sqe_set_data64(sqe, data);
}

int lean_ring_wait(lean_ring *ring, int timeout_ms, lean_completion *out, int capacity) {
    int result;
    if (timeout_ms == 0) {
        result = io_uring_submit_and_get_events(&ring->ring);
    } else if (timeout_ms < 0) {
        struct io_uring_cqe *cqe;
        result = io_uring_submit_and_wait_timeout(&ring->ring, &cqe, 1, NULL, NULL);
    } else {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
        result = io_uring_submit_and_wait_timeout(&ring->ring, &cqe, 1, &ts, NULL);
    }
    if (result < 0 && result != -ETIME && result != -EINTR && result != -EBUSY && result != -EAGAIN) return result;
    struct io_uring_cqe *cqes[256];
    if (capacity > 256) capacity = 256;
    unsigned count = io_uring_peek_batch_cqe(&ring->ring, cqes, (unsigned)capacity);
    for (unsigned i = 0; i < count; i++) {
        out[i].data = cqes[i]->user_data;
        out[i].result = cqes[i]->res;
        out[i].flags = cqes[i]->flags;
    }
    io_uring_cq_advance(&ring->ring, count);
    return (int)count;
}

void lean_ring_flush(lean_ring *ring) { io_uring_submit_and_get_events(&ring->ring); }

void lean_ring_poll(lean_ring *ring, int fd, uint32_t events, uint64_t data) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_poll_multishot(sqe, fd, events);
    finish(sqe, 0, data, 0);
}

void lean_ring_poll_remove(lean_ring *ring, uint64_t target, uint64_t data) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    // A cancel marks the poll cancelled even while a wake-up owns it, where POLL_REMOVE
    // would fail with EALREADY and leave the poll armed (a flooded listener stayed open).
    io_uring_prep_cancel64(sqe, target, 0);
    finish(sqe, 0, data, 0);
}

void lean_ring_cancel(lean_ring *ring, uint64_t target, uint64_t data) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_cancel64(sqe, target, 0);
    finish(sqe, 0, data, 0);
}

void lean_ring_socket(lean_ring *ring, int family, unsigned slot, uint64_t data, int link) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    // A direct descriptor is in no process fd table, so SOCK_CLOEXEC does not apply (EINVAL).
    io_uring_prep_socket_direct(sqe, family, SOCK_STREAM, 0, slot, 0);
    finish(sqe, 0, data, link);
}

void lean_ring_connect(lean_ring *ring, int file, int fixed, const void *address, uint32_t length, uint64_t data, int link) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_connect(sqe, file, (const struct sockaddr *)address, length);
    finish(sqe, fixed, data, link);
}

void lean_ring_send(lean_ring *ring, int file, int fixed, const void *bytes, size_t count, uint64_t data, int link) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_send(sqe, file, bytes, count, MSG_NOSIGNAL);
    finish(sqe, fixed, data, link);
}

void lean_ring_recv(lean_ring *ring, int file, int fixed, void *bytes, size_t count, uint64_t data, int link) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_recv(sqe, file, bytes, count, 0);
    finish(sqe, fixed, data, link);
}

void lean_ring_shutdown(lean_ring *ring, int file, int fixed, int how, uint64_t data) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    io_uring_prep_shutdown(sqe, file, how);
    finish(sqe, fixed, data, 0);
}

void lean_ring_close(lean_ring *ring, int file, int fixed, uint64_t data) {
    struct io_uring_sqe *sqe = next_sqe(ring);
    if (fixed) {
        io_uring_prep_close_direct(sqe, (unsigned)file);
    } else {
        io_uring_prep_close(sqe, file);
    }
    finish(sqe, 0, data, 0);
}

int lean_set_linger_zero(int fd) {
    struct linger linger = {1, 0};
    return setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
}
