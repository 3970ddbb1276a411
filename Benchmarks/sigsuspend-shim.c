/* LD_PRELOAD shim for running Swift programs under valgrind 3.19: libdispatch's dispatch_main
 * (behind an async `main`) calls sigsuspend with a mask in read-only memory, and valgrind's
 * rt_sigsuspend wrapper writes to that mask, crashing valgrind itself. The shim passes a
 * writable copy. Used by Benchmarks/callgrind-router.sh and callgrind-subscriptions.sh. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
