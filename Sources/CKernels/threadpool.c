// Persistent worker pool. Workers spin on a generation counter for a short
// while after each task (a sleep/wake round trip costs tens of microseconds,
// a spin hand-off about one), then fall back to a condition variable.
#include "sl_threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define SL_PAUSE() _mm_pause()
#else
#define SL_PAUSE() ((void)0)
#endif

// Spin this many pauses, then yield the core between checks: when the machine is oversubscribed
// (tests in parallel, a peer benchmark beside us) a pure spin would hold a core the awaited thread needs.
enum { SL_SPIN_ITERATIONS = 1 << 12, SL_YIELD_ITERATIONS = 1 << 8 };

typedef struct {
    sl_threadpool *pool;
    int ith;
} sl_worker;

struct sl_threadpool {
    int n_threads;
    pthread_t *threads;
    sl_worker *workers;
    _Atomic(sl_task_fn) fn;
    _Atomic(void *) ctx;
    atomic_uint generation;
    atomic_int pending;   // workers still running the current task
    atomic_int sleepers;  // workers waiting on the condition variable
    atomic_bool stop;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
};

static unsigned wait_for_generation(sl_threadpool *pool, unsigned seen) {
    unsigned gen;
    for (int spin = 0; spin < SL_SPIN_ITERATIONS + SL_YIELD_ITERATIONS; spin++) {
        gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (gen != seen || atomic_load(&pool->stop)) return gen;
        if (spin < SL_SPIN_ITERATIONS) {
            SL_PAUSE();
        } else {
            sched_yield();
        }
    }
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add(&pool->sleepers, 1);
    while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop)) {
        pthread_cond_wait(&pool->wake, &pool->mutex);
    }
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->mutex);
    return gen;
}

static void *worker_main(void *arg) {
    sl_worker *worker = arg;
    sl_threadpool *pool = worker->pool;
    // Generation 0 is the pool's state at creation; reading the counter here instead would miss a
    // task posted before this thread first ran, and the caller would wait for it forever.
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_generation(pool, seen);
        if (atomic_load(&pool->stop)) break;
        sl_task_fn fn = atomic_load(&pool->fn);
        fn(atomic_load(&pool->ctx), worker->ith, pool->n_threads);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
    return NULL;
}

sl_threadpool *sl_threadpool_create(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    sl_threadpool *pool = calloc(1, sizeof(*pool));
    if (!pool) return NULL;
    pool->n_threads = n_threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    pool->workers = calloc((size_t)n_threads, sizeof(sl_worker));
    if (!pool->threads || !pool->workers) n_threads = 1;
    // If the system refuses a thread, the pool keeps the ones it got and shrinks to them. Workers read
    // n_threads only when a task runs, which is after this function has returned.
    int started = 1;
    for (int i = 1; i < n_threads; i++) {
        pool->workers[i] = (sl_worker){.pool = pool, .ith = i};
        if (pthread_create(&pool->threads[i], NULL, worker_main, &pool->workers[i]) != 0) break;
        started++;
    }
    pool->n_threads = started;
    return pool;
}

void sl_threadpool_free(sl_threadpool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, true);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 1; i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    free(pool->threads);
    free(pool->workers);
    free(pool);
}

int sl_threadpool_size(const sl_threadpool *pool) { return pool->n_threads; }

void sl_threadpool_run(sl_threadpool *pool, sl_task_fn fn, void *ctx) {
    if (pool->n_threads == 1) {
        fn(ctx, 0, 1);
        return;
    }
    atomic_store(&pool->fn, fn);
    atomic_store(&pool->ctx, ctx);
    atomic_store(&pool->pending, pool->n_threads - 1);
    // seq_cst, not release: with the worker's sleepers++ / generation load this is a Dekker-style
    // hand-off, and only sequential consistency guarantees one side sees the other's write.
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    fn(ctx, 0, pool->n_threads);
    for (int spin = 0; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; spin++) {
        if (spin < SL_SPIN_ITERATIONS) {
            SL_PAUSE();
        } else {
            sched_yield();
        }
    }
}
