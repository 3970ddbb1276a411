// Full TLS handshakes per second against an HTTPS router (Benchmarks/tls-router.sh).
//
// wrk keeps its TLS session across connections, so its "Connection: close" runs measure
// resumed handshakes, in which the server signs nothing. This client makes every connection a
// full handshake: a fresh SSL object each time, never given a session, and the client's cache
// and tickets off. Each connection sends one request with "Connection: close" and reads the
// answer to its end.
//
//   tls-handshakes HOST PORT SECONDS CONNECTIONS
//
// CONNECTIONS processes run the loop at once, for SECONDS. Prints one line:
//   handshakes/s N   (full H, resumed R, failed F)
// A resumed session would not be a full handshake: it is counted apart and makes the exit
// status 1, as any failure does.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct counts {
    long full, resumed, failed;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// One connection: handshake, request, answer to its end. 1 full, 2 resumed, 0 failed.
static int one(SSL_CTX *ctx, const struct sockaddr_in *address) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    // A router that stalls fails the connection after 5 s instead of holding the run.
    struct timeval limit = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(fd, (const struct sockaddr *)address, sizeof *address) != 0) {
        close(fd);
        return 0;
    }
    SSL *ssl = SSL_new(ctx);
    int result = 0;
    if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_set_tlsext_host_name(ssl, "localhost") == 1 && SSL_connect(ssl) == 1) {
        static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        if (SSL_write(ssl, request, sizeof request - 1) == (int)(sizeof request - 1)) {
            char buffer[4096];
            int n, answered = 0, first = 1;
            // The answer ends with the connection: a close_notify or a plain end both count.
            while ((n = SSL_read(ssl, buffer, sizeof buffer)) > 0) {
                if (first) answered = n >= 12 && memcmp(buffer, "HTTP/1.1 200", 12) == 0;
                first = 0;
            }
            if (answered) result = SSL_session_reused(ssl) ? 2 : 1;
        }
    }
    if (ssl) SSL_free(ssl);
    close(fd);
    ERR_clear_error();
    return result;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT SECONDS CONNECTIONS\n", argv[0]);
        return 2;
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
        fprintf(stderr, "tls-handshakes: %s is not an IPv4 address\n", argv[1]);
        return 2;
    }
    double seconds = atof(argv[3]);
    int connections = atoi(argv[4]);
    if (seconds <= 0 || seconds > 3600 || connections < 1 || connections > 256) {
        fprintf(stderr, "tls-handshakes: SECONDS must be in (0, 3600] and CONNECTIONS in [1, 256]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int pipes[2];
    if (pipe(pipes) != 0) return 2;
    double start = now();
    for (int i = 0; i < connections; i++) {
        pid_t pid = fork();
        if (pid < 0) return 2;
        if (pid == 0) {
            close(pipes[0]);
            SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            struct counts c = {0, 0, 0};
            while (now() - start < seconds) {
                switch (one(ctx, &address)) {
                case 1: c.full++; break;
                case 2: c.resumed++; break;
                default: c.failed++; break;
                }
            }
            if (write(pipes[1], &c, sizeof c) != sizeof c) _exit(1);
            _exit(0);
        }
    }
    close(pipes[1]);
    struct counts total = {0, 0, 0}, c;
    for (int i = 0; i < connections; i++) {
        if (read(pipes[0], &c, sizeof c) != sizeof c) break;
        total.full += c.full;
        total.resumed += c.resumed;
        total.failed += c.failed;
    }
    while (wait(NULL) > 0) {}
    double elapsed = now() - start;
    printf("handshakes/s %.0f   (full %ld, resumed %ld, failed %ld)\n", total.full / elapsed, total.full, total.resumed, total.failed);
    return total.resumed == 0 && total.failed == 0 ? 0 : 1;
}
