/* The C resolver of Benchmarks/code-forwarder.sh (fleetrouter --http-use-code-string
 * 18:libcode-resolver.so:route): the key "slow.local" blocks its thread for 10 s and has no
 * node; every other key goes to $CODE_NODE, never cached (each request calls the resolver).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int route(const char *key, size_t key_len, char *out, size_t out_cap, unsigned int *ttl_seconds) {
    (void)ttl_seconds;
    if (key_len == 10 && memcmp(key, "slow.local", 10) == 0) {
        sleep(10);
        return 0;
    }
    const char *node = getenv("CODE_NODE");
    if (!node) return -1;
    size_t length = strlen(node);
    if (length > out_cap) return -1;
    memcpy(out, node, length);
    return (int)length;
}
