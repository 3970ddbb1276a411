/* Exactly N keep-alive HTTP/1.1 requests, one after another on one connection, for counting a
 * router's instructions per request (callgrind): Benchmarks/callgrind-router.sh.
 * Each response must carry Content-Length. Exits 1 on anything unexpected.
 *
 *   http-requests PORT N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[65536];

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: http-requests PORT N\n"); return 2; }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); return 1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (long i = 0; i < n; i++) {
        if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) { perror("write"); return 1; }
        size_t have = 0;
        long need = -1;
        while (need < 0 || (long)have < need) {
            ssize_t got = read(fd, buf + have, sizeof buf - have - 1);
            if (got <= 0) { fprintf(stderr, "request %ld: connection closed\n", i); return 1; }
            have += got;
            buf[have] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            if (need < 0 && end) {
                char *cl = strcasestr(buf, "content-length:");
                if (!cl || cl > end) { fprintf(stderr, "request %ld: no Content-Length\n", i); return 1; }
                need = (end + 4 - buf) + atol(cl + 15);
            }
        }
        if (strncmp(buf, "HTTP/1.1 200", 12) != 0) { fprintf(stderr, "request %ld: %.40s\n", i, buf); return 1; }
    }
    printf("%ld\n", n);
    return 0;
}
