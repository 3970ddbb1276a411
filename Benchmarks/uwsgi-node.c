/* A fast uwsgi node for the router benchmark: reads one uwsgi packet (4-byte header + var
 * block, plus a Content-Length body if any is announced by the packet size alone — the
 * benchmark sends GETs), answers "HTTP/1.1 200 OK" with Content-Length and closes. One thread,
 * blocking accept loop: each request costs it a few microseconds, so the router is the limit. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s PORT\n", argv[0]); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int server = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) || listen(server, 4096)) { perror("bind"); return 1; }
    char buf[65536 + 4];
    for (;;) {
        int fd = accept(server, NULL, NULL);
        if (fd < 0) continue;
        size_t have = 0, need = 4;
        while (have < need) {
            ssize_t n = read(fd, buf + have, sizeof buf - have);
            if (n <= 0) break;
            have += (size_t)n;
            if (have >= 4) need = 4 + ((unsigned char)buf[1] | (unsigned char)buf[2] << 8);
        }
        if (have >= need) { ssize_t w = write(fd, response, sizeof response - 1); (void)w; }
        close(fd);
    }
}
