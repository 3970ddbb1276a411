// The few glibc calls a test's process launcher needs that Swift's Glibc module does not
// expose (GNU extensions such as pipe2 and the _np file actions) or spells awkwardly (send's
// flags). Only plain C types cross this header, so it pulls in no libc header of its own:
// Swift keeps seeing `posix_spawn_file_actions_t` through Glibc.
#ifndef CSPAWN_H
#define CSPAWN_H

#include <stddef.h>

/// A pipe whose two ends are close-on-exec from the start (`pipe2(O_CLOEXEC)`).
int cspawn_pipe(int descriptors[2]);
/// A unix stream socket pair whose two ends are close-on-exec from the start.
int cspawn_socketpair(int descriptors[2]);
/// `posix_spawn_file_actions_addchdir_np`: the child changes to `path` before it executes.
/// `actions` is a `posix_spawn_file_actions_t *`.
int cspawn_add_chdir(void *actions, const char *path);
/// `posix_spawn_file_actions_addclosefrom_np`: the child closes every descriptor from `from` up.
/// `actions` is a `posix_spawn_file_actions_t *`.
int cspawn_add_closefrom(void *actions, int from);
/// Sends without blocking and without raising SIGPIPE (`MSG_DONTWAIT | MSG_NOSIGNAL`).
long cspawn_send(int descriptor, const void *bytes, size_t count);

#endif
