#include "czeromq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// Function pointers filled once by sluice_zmq_load; every wrapper is called only after a
// successful load (the Swift side checks), so none of them tests for NULL.
static void *(*p_ctx_new)(void);
static void *(*p_socket)(void *, int);
static int (*p_close)(void *);
static int (*p_setsockopt)(void *, int, const void *, size_t);
static int (*p_getsockopt)(void *, int, void *, size_t *);
static int (*p_bind)(void *, const char *);
static int (*p_connect)(void *, const char *);
static int (*p_send)(void *, const void *, size_t, int);
static int (*p_recv)(void *, void *, size_t, int);
static int (*p_errno)(void);
static const char *(*p_strerror)(int);

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static char load_error[512];
static int load_status = -1;

static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (symbol == NULL && load_error[0] == 0) {
        snprintf(load_error, sizeof load_error, "libzmq lacks %s", name);
    }
    return symbol;
}

static void load(void) {
    // The versioned names first: they are what the runtime package (Debian's libzmq5) installs;
    // the bare name only comes with the -dev package. Then the runtime package's paths themselves:
    // glibc reads ld.so.cache once per process, so a library installed after that is found only by
    // its path (as when the tests' set-up installs libzmq5 into a running test process).
    static const char *names[] = {"libzmq.so.5", "libzmq.5.dylib", "libzmq.so", "libzmq.dylib",
                                  "/lib/x86_64-linux-gnu/libzmq.so.5", "/usr/lib/x86_64-linux-gnu/libzmq.so.5",
                                  "/lib/aarch64-linux-gnu/libzmq.so.5", "/usr/lib/aarch64-linux-gnu/libzmq.so.5",
                                  "/usr/local/lib/libzmq.so.5", "/usr/lib/libzmq.so.5"};
    void *library = NULL;
    char first_error[sizeof load_error] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && library == NULL; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        const char *reason = library == NULL ? dlerror() : NULL;
        if (i == 0 && reason != NULL) snprintf(first_error, sizeof first_error, "%s", reason);
    }
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "%s", first_error[0] ? first_error : "libzmq.so.5 not found");
        return;
    }
    p_ctx_new = (void *(*)(void))resolve(library, "zmq_ctx_new");
    p_socket = (void *(*)(void *, int))resolve(library, "zmq_socket");
    p_close = (int (*)(void *))resolve(library, "zmq_close");
    p_setsockopt = (int (*)(void *, int, const void *, size_t))resolve(library, "zmq_setsockopt");
    p_getsockopt = (int (*)(void *, int, void *, size_t *))resolve(library, "zmq_getsockopt");
    p_bind = (int (*)(void *, const char *))resolve(library, "zmq_bind");
    p_connect = (int (*)(void *, const char *))resolve(library, "zmq_connect");
    p_send = (int (*)(void *, const void *, size_t, int))resolve(library, "zmq_send");
    p_recv = (int (*)(void *, void *, size_t, int))resolve(library, "zmq_recv");
    p_errno = (int (*)(void))resolve(library, "zmq_errno");
    p_strerror = (const char *(*)(int))resolve(library, "zmq_strerror");
    if (load_error[0] == 0) load_status = 0;
}

int sluice_zmq_load(char *error, size_t capacity) {
    // A failed load is tried again on the next call (the library may have been installed since).
    pthread_mutex_lock(&load_lock);
    if (load_status != 0) {
        load_error[0] = 0;
        load();
    }
    pthread_mutex_unlock(&load_lock);
    if (load_status != 0 && error != NULL && capacity > 0) {
        snprintf(error, capacity, "%s", load_error);
    }
    return load_status;
}

static void *context;

void *sluice_zmq_context(void) {
    pthread_mutex_lock(&load_lock);
    if (context == NULL && load_status == 0) context = p_ctx_new();
    void *made = context;
    pthread_mutex_unlock(&load_lock);
    return made;
}
void *sluice_zmq_socket(void *context, int type) { return p_socket(context, type); }
int sluice_zmq_close(void *socket) { return p_close(socket); }
int sluice_zmq_setsockopt_int(void *socket, int option, int value) {
    return p_setsockopt(socket, option, &value, sizeof value);
}
int sluice_zmq_getsockopt_int(void *socket, int option, int *value) {
    size_t size = sizeof *value;
    return p_getsockopt(socket, option, value, &size);
}
int sluice_zmq_bind(void *socket, const char *endpoint) { return p_bind(socket, endpoint); }
int sluice_zmq_connect(void *socket, const char *endpoint) { return p_connect(socket, endpoint); }
int sluice_zmq_send(void *socket, const void *buffer, size_t length, int flags) {
    return p_send(socket, buffer, length, flags);
}
int sluice_zmq_recv(void *socket, void *buffer, size_t length, int flags) {
    return p_recv(socket, buffer, length, flags);
}
int sluice_zmq_errno(void) { return p_errno(); }
const char *sluice_zmq_strerror(int errnum) { return p_strerror(errnum); }
