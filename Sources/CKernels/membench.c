// Streaming read over the thread pool: wide independent loads folded with xor, one contiguous share
// per thread, as decode reads the packed weights.
#include "include/sl_membench.h"
#include "quants_types.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    const uint8_t *buffer;
    size_t bytes;
    uint64_t sums[256];
} stream_ctx;

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t read_avx2(const uint8_t *p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (size_t k = 0; k + 256 <= n; k += 256) {
        for (int j = 0; j < 8; j += 2) {
            a = _mm256_xor_si256(a, _mm256_load_si256((const __m256i *)(p + k + 32 * j)));
            b = _mm256_xor_si256(b, _mm256_load_si256((const __m256i *)(p + k + 32 * j + 32)));
        }
    }
    a = _mm256_xor_si256(a, b);
    return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}
#endif

static uint64_t read_scalar(const uint8_t *p, size_t n) {
    uint64_t s = 0;
    for (size_t k = 0; k + 8 <= n; k += 8) {
        uint64_t v;
        memcpy(&v, p + k, 8);
        s ^= v;
    }
    return s;
}

static void stream_task(void *arg, int ith, int nth) {
    stream_ctx *c = arg;
    const size_t share = c->bytes / (size_t)nth & ~(size_t)255;
    const uint8_t *p = c->buffer + share * (size_t)ith;
    uint64_t s;
#if defined(__x86_64__)
    if (sl_enabled_features() & SL_CPU_AVX2) s = read_avx2(p, share);
    else
#endif
        s = read_scalar(p, share);
    if (ith < 256) c->sums[ith] = s;
}

uint64_t sl_stream_read(sl_threadpool *pool, const void *buffer, size_t bytes) {
    stream_ctx c = {.buffer = buffer, .bytes = bytes};
    sl_threadpool_run(pool, stream_task, &c);
    uint64_t s = 0;
    for (int i = 0; i < 256; i++) s ^= c.sums[i];
    return s;
}
