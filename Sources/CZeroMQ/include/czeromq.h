#ifndef SLUICE_CZEROMQ_H
#define SLUICE_CZEROMQ_H

#include <stddef.h>

// The few libzmq functions the KV-event publisher calls, reached through dlopen so that Sluice
// builds and runs on a machine without libzmq; only `--kv-events-config` needs it, and it says
// so at start-up when it is missing. The signatures are libzmq's own (zmq.h, ABI version 5).

/// libzmq's socket types and flags that the publisher uses (zmq.h).
enum {
    SLUICE_ZMQ_PUB = 1,
    SLUICE_ZMQ_ROUTER = 6,
    SLUICE_ZMQ_DONTWAIT = 1,
    SLUICE_ZMQ_SNDMORE = 2,
    SLUICE_ZMQ_RCVMORE = 13,
    SLUICE_ZMQ_LINGER = 17,
    SLUICE_ZMQ_SNDHWM = 23,
};

/// Loads libzmq once per process; 0 when it is there, else -1 with the loader's message in
/// `error` (NUL-terminated, cut to `capacity`).
int sluice_zmq_load(char *error, size_t capacity);

/// The process's one ZeroMQ context (libzmq's advice), made on first call and never terminated,
/// as vLLM's publisher leaves its own; NULL when libzmq is not loaded or cannot make one.
void *sluice_zmq_context(void);
void *sluice_zmq_socket(void *context, int type);
int sluice_zmq_close(void *socket);
int sluice_zmq_setsockopt_int(void *socket, int option, int value);
int sluice_zmq_getsockopt_int(void *socket, int option, int *value);
int sluice_zmq_bind(void *socket, const char *endpoint);
int sluice_zmq_connect(void *socket, const char *endpoint);
int sluice_zmq_send(void *socket, const void *buffer, size_t length, int flags);
int sluice_zmq_recv(void *socket, void *buffer, size_t length, int flags);
int sluice_zmq_errno(void);
const char *sluice_zmq_strerror(int errnum);

#endif
