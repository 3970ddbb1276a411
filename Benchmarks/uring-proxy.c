/* The ceiling of an io_uring HTTP → uwsgi router on this machine, for Benchmarks/http-router.sh:
 * a minimal single-threaded C proxy that does what fleetrouter's uring transport does per
 * request and nothing else. Keep-alive clients; each request (assumed to arrive whole in one
 * read, as the benchmark's GETs do) becomes a uwsgi packet of the same vars a router sends, on
 * a new node connection made by linked socket → connect → send → recv submissions into a
 * direct descriptor; the node's answer is relayed to the client, the node's end closes the
 * connection. No parsing beyond the request line, no limits: a measuring tool, not a router.
 *
 *   uring-proxy LISTEN_PORT NODE_PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_CONNS = 4096, BUF = 16384 };
enum { OP_ACCEPT = 1, OP_CLIENT_RECV, OP_CLIENT_SEND, OP_SOCKET, OP_CONNECT, OP_NODE_SEND, OP_NODE_RECV, OP_CLOSE };

struct conn {
    int fd;
    char request[BUF];
    char packet[BUF];
    unsigned packet_size;
    char answer[BUF];
};

static struct io_uring ring;
static struct conn *conns[MAX_CONNS];
static struct sockaddr_in node;

static uint64_t data(int op, int slot) { return (uint64_t)op << 32 | (uint32_t)slot; }

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    while (!s) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    return s;
}

static void add_var(struct conn *c, const char *key, const char *value, size_t value_length) {
    size_t key_length = strlen(key);
    char *p = c->packet + c->packet_size;
    p[0] = (char)(key_length & 0xff); p[1] = (char)(key_length >> 8);
    memcpy(p + 2, key, key_length);
    p += 2 + key_length;
    p[0] = (char)(value_length & 0xff); p[1] = (char)(value_length >> 8);
    memcpy(p + 2, value, value_length);
    c->packet_size += (unsigned)(4 + key_length + value_length);
}

static void client_recv(int slot) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_recv(s, conns[slot]->fd, conns[slot]->request, BUF, 0);
    io_uring_sqe_set_data64(s, data(OP_CLIENT_RECV, slot));
}

/* The request line's method and path, the vars every router sends, and the Host header. */
static void forward(int slot, int length) {
    struct conn *c = conns[slot];
    char *line_end = memmem(c->request, (size_t)length, "\r\n", 2);
    char *space = memchr(c->request, ' ', (size_t)length);
    char *path_end = space ? memchr(space + 1, ' ', (size_t)(line_end - space - 1)) : NULL;
    if (!line_end || !space || !path_end) { close(c->fd); free(c); conns[slot] = NULL; return; }
    char *host = memmem(c->request, (size_t)length, "\r\nHost: ", 8);
    char *host_end = host ? memmem(host + 8, (size_t)(c->request + length - host - 8), "\r\n", 2) : NULL;
    c->packet_size = 4;
    add_var(c, "REQUEST_METHOD", c->request, (size_t)(space - c->request));
    add_var(c, "REQUEST_URI", space + 1, (size_t)(path_end - space - 1));
    add_var(c, "PATH_INFO", space + 1, (size_t)(path_end - space - 1));
    add_var(c, "QUERY_STRING", "", 0);
    add_var(c, "SERVER_PROTOCOL", path_end + 1, (size_t)(line_end - path_end - 1));
    add_var(c, "SCRIPT_NAME", "", 0);
    add_var(c, "SERVER_NAME", "127.0.0.1", 9);
    add_var(c, "SERVER_PORT", "19380", 5);
    add_var(c, "UWSGI_ROUTER", "http", 4);
    add_var(c, "REMOTE_ADDR", "127.0.0.1", 9);
    add_var(c, "REMOTE_PORT", "40000", 5);
    if (host && host_end) add_var(c, "HTTP_HOST", host + 8, (size_t)(host_end - host - 8));
    unsigned size = c->packet_size - 4;
    c->packet[0] = 0; c->packet[1] = (char)(size & 0xff); c->packet[2] = (char)(size >> 8); c->packet[3] = 0;

    if (io_uring_sq_space_left(&ring) < 4) io_uring_submit(&ring); /* one chain, one submit */
    struct io_uring_sqe *s = sqe();
    io_uring_prep_socket_direct(s, AF_INET, SOCK_STREAM, 0, (unsigned)slot, 0);
    io_uring_sqe_set_data64(s, data(OP_SOCKET, slot));
    s->flags |= IOSQE_IO_LINK;
    s = sqe();
    io_uring_prep_connect(s, slot, (struct sockaddr *)&node, sizeof node);
    io_uring_sqe_set_data64(s, data(OP_CONNECT, slot));
    s->flags |= IOSQE_IO_LINK | IOSQE_FIXED_FILE;
    s = sqe();
    io_uring_prep_send(s, slot, c->packet, c->packet_size, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, data(OP_NODE_SEND, slot));
    s->flags |= IOSQE_IO_LINK | IOSQE_FIXED_FILE;
    s = sqe();
    io_uring_prep_recv(s, slot, c->answer, BUF, 0);
    io_uring_sqe_set_data64(s, data(OP_NODE_RECV, slot));
    s->flags |= IOSQE_FIXED_FILE;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s LISTEN_PORT NODE_PORT\n", argv[0]); return 2; }
    signal(SIGPIPE, SIG_IGN);
    struct io_uring_params params = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE,
                                      .cq_entries = 8192 };
    if (io_uring_queue_init_params(1024, &ring, &params) < 0 && io_uring_queue_init(1024, &ring, 0) < 0) { perror("io_uring"); return 1; }
    if (io_uring_register_files_sparse(&ring, MAX_CONNS) < 0) { fprintf(stderr, "no direct descriptors\n"); return 1; }
    node = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
    node.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int server = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(server, (struct sockaddr *)&address, sizeof address) || listen(server, 4096)) { perror("bind"); return 1; }
    struct io_uring_sqe *s = sqe();
    io_uring_prep_multishot_accept(s, server, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    io_uring_sqe_set_data64(s, data(OP_ACCEPT, 0));
    for (;;) {
        struct io_uring_cqe *cqe;
        if (io_uring_submit_and_wait(&ring, 1) < 0 && errno != EINTR) continue;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            int op = (int)(cqe->user_data >> 32), slot = (int)(uint32_t)cqe->user_data, result = cqe->res;
            struct conn *c = conns[slot];
            switch (op) {
            case OP_ACCEPT:
                if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    s = sqe();
                    io_uring_prep_multishot_accept(s, server, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    io_uring_sqe_set_data64(s, data(OP_ACCEPT, 0));
                }
                if (result < 0) break;
                for (slot = 0; slot < MAX_CONNS && conns[slot]; slot++) {}
                if (slot == MAX_CONNS) { close(result); break; }
                conns[slot] = calloc(1, sizeof(struct conn));
                conns[slot]->fd = result;
                client_recv(slot);
                break;
            case OP_CLIENT_RECV:
                if (!c) break;
                if (result <= 0) { close(c->fd); free(c); conns[slot] = NULL; break; }
                forward(slot, result);
                break;
            case OP_NODE_RECV:
                if (!c) break;
                if (result > 0) {
                    s = sqe();
                    io_uring_prep_send(s, c->fd, c->answer, (size_t)result, MSG_NOSIGNAL);
                    io_uring_sqe_set_data64(s, data(OP_CLIENT_SEND, slot));
                    break;
                }
                s = sqe();
                io_uring_prep_close_direct(s, (unsigned)slot);
                io_uring_sqe_set_data64(s, data(OP_CLOSE, slot));
                if (result < 0) { close(c->fd); free(c); conns[slot] = NULL; break; }
                client_recv(slot);
                break;
            case OP_CLIENT_SEND:
                if (!c) break;
                /* The answer is out: read the node's end (or more of its answer). */
                s = sqe();
                io_uring_prep_recv(s, slot, c->answer, BUF, 0);
                io_uring_sqe_set_data64(s, data(OP_NODE_RECV, slot));
                s->flags |= IOSQE_FIXED_FILE;
                break;
            default:
                /* socket, connect, node send, close: a failure cancels the chain, and the
                 * recv at its end reports it. */
                break;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
