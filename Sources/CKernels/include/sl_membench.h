// The machine's streaming-read bandwidth, the ceiling of single-stream decode (which reads every weight
// once per token): `sluice bench memory`.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "sl_threadpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Reads `bytes` of `buffer` (64-byte aligned, a multiple of 256 bytes per thread) once, split evenly
/// over the pool's threads, with independent wide loads; returns a value that depends on every byte so
/// the reads cannot be optimized away.
uint64_t sl_stream_read(sl_threadpool *pool, const void *buffer, size_t bytes);

#ifdef __cplusplus
}
#endif
