/* Subscription datagram blaster for Benchmarks/http-router.sh and subscriptions.sh: sends
 * valid uWSGI subscribe packets (modifier1 224, vars key/address/modifier1/modifier2/cores/
 * load/weight) for NODES distinct nodes of one key, round-robin, with sendmmsg for SECONDS
 * seconds (0 = one round of NODES packets), to 127.0.0.1:PORT: as fast as it can, or RATE
 * packets/s (paced per BURST packets, below). Prints the number of packets sent.
 *
 * With `gso` last, a batch of equally sized packets goes as one UDP GSO send (UDP_SEGMENT):
 * the receiving socket still gets every packet as its own datagram (a socket without UDP_GRO
 * has the kernel split the batch before it queues them), but the sender pays one send, route
 * and buffer for 64 packets. For a flood whose sender shares a core with the load it measures.
 * Batches whose packets differ in size are sent with sendmmsg as before.
 *
 * A paced sender sleeps once per BURST packets (environment, default 64, one batch): a flood
 * paced per batch of 64 wakes its core 1,560 times a second at 100k packets/s, and on a
 * virtual machine each sleep and wakeup costs tens of microseconds of that core, more than the
 * sends themselves; BURST=1024 sends 16 batches back to back per wakeup.
 *
 *   subscribe-blast PORT SECONDS [NODES=1000] [KEY=sub.bench] [RATE=0] [gso]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* Sends packets[first ..< first + count] (mod nodes) as one GSO send; returns how many went,
 * or -1 when they are not all one size (the caller then uses sendmmsg). */
static int send_gso(int fd, unsigned char (*packets)[256], const size_t *sizes, int nodes, int first, int count) {
    static unsigned char joined[BATCH * 256];
    size_t size = sizes[first];
    for (int i = 0; i < count; i++) {
        int index = (first + i) % nodes;
        if (sizes[index] != size) return -1;
        memcpy(joined + i * size, packets[index], size);
    }
    char control[CMSG_SPACE(sizeof(unsigned short))] = {0};
    struct iovec iov = { joined, size * count };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(unsigned short));
    unsigned short segment = (unsigned short)size;
    memcpy(CMSG_DATA(cm), &segment, sizeof segment);
    ssize_t sent = sendmsg(fd, &msg, 0);
    return sent < 0 ? 0 : (int)(sent / size);
}

static size_t put_var(unsigned char *p, const char *k, const char *v) {
    size_t kl = strlen(k), vl = strlen(v);
    p[0] = kl & 0xff; p[1] = kl >> 8; memcpy(p + 2, k, kl);
    p[2 + kl] = vl & 0xff; p[3 + kl] = vl >> 8; memcpy(p + 4 + kl, v, vl);
    return 4 + kl + vl;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: subscribe-blast PORT SECONDS [NODES] [KEY] [RATE] [gso]\n"); return 2; }
    int port = atoi(argv[1]);
    double seconds = atof(argv[2]);
    int nodes = argc > 3 ? atoi(argv[3]) : 1000;
    const char *key = argc > 4 ? argv[4] : "sub.bench";
    double rate = argc > 5 ? atof(argv[5]) : 0;
    int gso = argc > 6 && strcmp(argv[6], "gso") == 0;
    if (port <= 0 || port > 65535 || nodes <= 0 || nodes > 60000) { fprintf(stderr, "bad PORT or NODES\n"); return 2; }
    long burst = BATCH;
    if (getenv("BURST")) {
        char *end;
        burst = strtol(getenv("BURST"), &end, 10);
        if (*end != '\0' || burst < 1 || burst > 1000000) {
            fprintf(stderr, "bad BURST '%s': expected a whole number of packets, 1...1000000\n", getenv("BURST"));
            return 2;
        }
    }

    unsigned char (*packets)[256] = calloc(nodes, 256);
    size_t *sizes = calloc(nodes, sizeof(size_t));
    for (int i = 0; i < nodes; i++) {
        char address[32];
        snprintf(address, sizeof address, "127.0.0.1:%d", 20000 + i);
        unsigned char *p = packets[i];
        size_t n = 4;
        n += put_var(p + n, "key", key);
        n += put_var(p + n, "address", address);
        n += put_var(p + n, "modifier1", "0");
        n += put_var(p + n, "modifier2", "0");
        n += put_var(p + n, "cores", "1");
        n += put_var(p + n, "load", "0");
        n += put_var(p + n, "weight", "1");
        p[0] = 224; p[1] = (n - 4) & 0xff; p[2] = (n - 4) >> 8; p[3] = 0;
        sizes[i] = n;
    }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) { perror("connect"); return 1; }

    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    long sent = 0, wake_at = 0;
    int next = 0;
    double start = now(), end = start + seconds;
    do {
        if (rate > 0 && sent >= wake_at) { /* paced: wait until this burst is due */
            wake_at = sent + burst;
            double due = start + sent / rate, wait = due - now();
            if (wait > 0) {
                struct timespec pause = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
                nanosleep(&pause, NULL);
            }
        }
        int count = seconds > 0 ? BATCH : (nodes - (int)sent < BATCH ? nodes - (int)sent : BATCH);
        if (gso) {
            int done = send_gso(fd, packets, sizes, nodes, next, count);
            if (done >= 0) {
                sent += done;
                next = (next + count) % nodes;  /* a refused batch is skipped, as sendmmsg's would be */
                continue;
            }
        }
        for (int i = 0; i < count; i++) {
            iov[i].iov_base = packets[next];
            iov[i].iov_len = sizes[next];
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            next = (next + 1) % nodes;
        }
        int done = sendmmsg(fd, msgs, count, 0);
        /* ECONNREFUSED from an earlier ICMP only means nobody listened then. */
        if (done > 0) sent += done;
    } while (seconds > 0 ? now() < end : sent < nodes);
    printf("%ld\n", sent);
    return 0;
}
