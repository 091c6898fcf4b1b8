// A pool of persistent worker threads that spin briefly on an atomic
// generation counter before sleeping, as ARCHITECTURE.md decision 7 asks.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sl_threadpool sl_threadpool;
/// Work item: called once on each of `nth` threads with its index `ith`.
typedef void (*sl_task_fn)(void *ctx, int ith, int nth);

/// Creates a pool that runs tasks on `n_threads` threads (the caller counts as one).
sl_threadpool *sl_threadpool_create(int n_threads);
void sl_threadpool_free(sl_threadpool *pool);
int sl_threadpool_size(const sl_threadpool *pool);
/// Runs fn(ctx, ith, nth) on every thread, the caller being thread 0; returns when all are done.
void sl_threadpool_run(sl_threadpool *pool, sl_task_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
