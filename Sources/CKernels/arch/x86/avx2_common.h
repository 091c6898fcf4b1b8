// What the AVX2 kernels of the packed GEMM share (gemm_avx2.c: the 8-bit formats; gemm_avx2_float.c: F16
// and BF16 weights and the activation quantizer).
#pragma once
#include "../../gemm_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

#define SL_AVX2_GEMM __attribute__((target("avx2,fma,f16c")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// Tokens per register tile.
enum { TILE_TOKENS = 4 };
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 8192
#endif

/// 8 f16 values as floats (exact).
ALWAYS_INLINE SL_AVX2_GEMM __m256 load_halves8(const uint8_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/// Lanes [0, n) set.
ALWAYS_INLINE SL_AVX2_GEMM __m256i row_mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Writes (or adds) H halves x T tokens of row sums; rows at or past `nrows` are neither read nor written.
ALWAYS_INLINE SL_AVX2_GEMM void store_halves(const int T, const int H, __m256 f[2][TILE_TOKENS], int h0, float *y,
                                             int64_t t0, int64_t ldy, int nrows, int accumulate) {
    for (int h = 0; h < H; h++) {
        const int rows = nrows - 8 * (h0 + h);
        if (rows <= 0) continue;
        for (int t = 0; t < T; t++) {
            float *out = y + (t0 + t) * ldy + 8 * (h0 + h);
            __m256 v = f[h][t];
            if (rows >= 8) {
                if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(out), v);
                _mm256_storeu_ps(out, v);
            } else {
                const __m256i mask = row_mask(rows);
                if (accumulate) v = _mm256_add_ps(_mm256_maskload_ps(out, mask), v);
                _mm256_maskstore_ps(out, mask, v);
            }
        }
    }
}
#endif
