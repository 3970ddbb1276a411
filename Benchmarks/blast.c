/* Bulk-transfer tool for the raw-router benchmark.
 *   blast serve PORT MIB   — every connection gets MIB mebibytes, then the socket closes
 *   blast fetch PORT       — connects, reads to EOF, prints MB/s (10^6 bytes per second) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 18];

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: blast serve PORT MIB | blast fetch PORT\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (strcmp(argv[1], "serve") == 0 && argc == 4) {
        long long total = atoll(argv[3]) << 20;
        int server = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(server, (struct sockaddr *)&addr, sizeof addr) || listen(server, 64)) { perror("bind"); return 1; }
        memset(buf, 'x', sizeof buf);
        for (;;) {
            int fd = accept(server, NULL, NULL);
            if (fd < 0) continue;
            long long left = total;
            while (left > 0) {
                ssize_t n = write(fd, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
                if (n <= 0) break;
                left -= n;
            }
            close(fd);
        }
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) { perror("connect"); return 1; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long long got = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got += n;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.1f %lld\n", got / s / 1e6, got);
    return 0;
}
