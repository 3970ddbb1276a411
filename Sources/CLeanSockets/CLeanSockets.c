// The wrappers are inline in include/CLeanSockets.h.
