/* Reference peer for the raw-router benchmark: the least a single-threaded TCP proxy can do
 * per byte. Each accepted client gets a connection to the target; bytes move each way with
 * splice(2) through a pipe (socket -> pipe -> socket, never through user memory) on
 * edge-triggered epoll, every socket registered once. What fleetrouter's raw router is
 * compared with, in the same run, to tell its own cost from the machine's.
 *
 *   splice-proxy LISTEN_PORT TARGET_PORT [splice|copy] [BYTES=65536]
 *
 * splice: each way through a pipe of BYTES (F_SETPIPE_SZ above 64 KiB), BYTES per splice.
 * copy: each way read(2) into a buffer of BYTES and write(2) on, as uWSGI's rawrouter does.
 *
 * Loopback only; a session ends when either side ends (enough for the bulk benchmark). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

struct way { int from, to, pipe[2]; long buffered; int ended; };
struct session { int client, node; struct way up, down; };

static size_t pipe_bytes = 65536;
static int copying;
static char *copy_buffer;

/* The copy variant of pump: read into one buffer, write it all (the sink is kept drained:
 * a short write waits for its writable edge with the rest parked in the way's pipe-less
 * state, which this benchmark's single direction never needs twice). */
static int pump_copy(struct way *w) {
    for (;;) {
        ssize_t n = read(w->from, copy_buffer, pipe_bytes);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN ? 0 : errno == EINTR ? 0 : -1;
        ssize_t off = 0;
        while (off < n) {
            ssize_t m = write(w->to, copy_buffer + off, n - off);
            if (m > 0) { off += m; continue; }
            if (m < 0 && errno == EINTR) continue;
            if (m < 0 && errno == EAGAIN) {
                /* Blocking wait for room: keeps the benchmark peer simple. */
                fd_set out; FD_ZERO(&out); FD_SET(w->to, &out);
                select(w->to + 1, NULL, &out, NULL, NULL);
                continue;
            }
            return -1;
        }
    }
}

/* Moves what one way can; returns -1 when the session must end. */
static int pump(struct way *w) {
    if (copying) return pump_copy(w);
    for (;;) {
        while (w->buffered > 0) {
            ssize_t n = splice(w->pipe[0], NULL, w->to, NULL, w->buffered, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) { w->buffered -= n; continue; }
            if (n < 0 && errno == EAGAIN) return 0;
            if (n < 0 && errno == EINTR) continue;
            return -1;
        }
        if (w->ended) return -1;
        ssize_t n = splice(w->from, NULL, w->pipe[1], NULL, pipe_bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) { w->buffered = n; continue; }
        if (n == 0) { w->ended = 1; continue; }
        if (errno == EAGAIN) return 0;
        if (errno == EINTR) continue;
        return -1;
    }
}

static void end(struct session *s) {
    close(s->client); close(s->node);
    close(s->up.pipe[0]); close(s->up.pipe[1]); close(s->down.pipe[0]); close(s->down.pipe[1]);
    free(s);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: splice-proxy LISTEN_PORT TARGET_PORT [splice|copy] [BYTES]\n"); return 2; }
    copying = argc > 3 && strcmp(argv[3], "copy") == 0;
    if (argc > 4) pipe_bytes = (size_t)atol(argv[4]);
    copy_buffer = malloc(pipe_bytes);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in listen_addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    struct sockaddr_in target = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    listen_addr.sin_addr.s_addr = target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(server, (struct sockaddr *)&listen_addr, sizeof listen_addr) || listen(server, 64)) { perror("bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, server, &ev);
    struct epoll_event events[64];
    for (;;) {
        int count = epoll_wait(ep, events, 64, -1);
        for (int i = 0; i < count; i++) {
            struct session *s = events[i].data.ptr;
            if (s == (struct session *)1) continue;  /* ended earlier in this batch */
            if (s == NULL) {
                int client;
                while ((client = accept4(server, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    s = calloc(1, sizeof *s);
                    s->client = client;
                    s->node = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
                    connect(s->node, (struct sockaddr *)&target, sizeof target);
                    pipe2(s->up.pipe, O_NONBLOCK);
                    pipe2(s->down.pipe, O_NONBLOCK);
                    if (pipe_bytes > 65536) {
                        fcntl(s->up.pipe[1], F_SETPIPE_SZ, (int)pipe_bytes);
                        fcntl(s->down.pipe[1], F_SETPIPE_SZ, (int)pipe_bytes);
                    }
                    s->up = (struct way){ client, s->node, { s->up.pipe[0], s->up.pipe[1] }, 0, 0 };
                    s->down = (struct way){ s->node, client, { s->down.pipe[0], s->down.pipe[1] }, 0, 0 };
                    struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = s };
                    epoll_ctl(ep, EPOLL_CTL_ADD, client, &e);
                    epoll_ctl(ep, EPOLL_CTL_ADD, s->node, &e);
                }
                continue;
            }
            /* Either socket's edge: both ways try (a few spare syscalls, no per-socket state). */
            if (pump(&s->down) < 0 || pump(&s->up) < 0) {
                end(s);
                for (int j = i + 1; j < count; j++) if (events[j].data.ptr == s) events[j].data.ptr = (void *)1;
            }
        }
    }
}
