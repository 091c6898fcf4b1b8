// Small AVX2 helpers shared by the AVX2 kernel files. Every function carries
// its own target attribute: the package is built for baseline x86-64.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>
#include "quants_types.h"

#define SL_AVX2 __attribute__((target("avx2,fma,f16c")))

static inline SL_AVX2 float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline SL_AVX2 int hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

/// Two halves to floats in lanes 0 and 1. Both go through one general register and vmovd, which zeroes
/// the rest: clang's _cvtsh_ss inserts a single half into whatever register is live (often an
/// accumulator), which chains each block's scale to the previous block's FMA.
static inline SL_AVX2 __m128 halves_to_floats(uint16_t a, uint16_t b) {
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)a | (uint32_t)b << 16)));
}

/// The product of two half scales, as float(a) * float(b).
static inline SL_AVX2 float half_product(uint16_t a, uint16_t b) {
    const __m128 f = halves_to_floats(a, b);
    return _mm_cvtss_f32(_mm_mul_ss(f, _mm_movehdup_ps(f)));
}

/// [x.d * y.d, x.m * y.s] of a Q4_1 / Q5_1 block and its Q8_1 partner, which both start with two halves.
static inline SL_AVX2 __m128 scale_and_offset(const void *xb, const void *yb) {
    uint32_t xh, yh;
    memcpy(&xh, xb, 4);
    memcpy(&yh, yb, 4);
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)((uint64_t)yh << 32 | xh))); // [dx, mx, dy, sy]
    return _mm_mul_ps(f, _mm_movehl_ps(f, f));
}

/// Lane 1 of `v` moved to lane 0, the other lanes zero.
static inline SL_AVX2 __m128 lane1_alone(__m128 v) { return _mm_insert_ps(v, v, 0x4E); }

/// 16 bytes of packed nibbles -> 32 bytes: the low nibbles (elements 0...15), then the high ones (16...31).
static inline SL_AVX2 __m256i unpack_nibbles(const uint8_t *qs) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/// Byte i is 0x10 where bit i of `bits` is set, else 0 (the 5th bit of Q5 quants).
static inline SL_AVX2 __m256i fifth_bits(const uint8_t qh_bytes[4]) {
    uint32_t bits;
    memcpy(&bits, qh_bytes, 4);
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits),
        _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                         2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit_of_byte = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_of_byte), bit_of_byte);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/// Σ of 4 adjacent u8 * i8 products in each int32 lane (pairs cannot saturate for u8 <= 128, |i8| <= 127).
static inline SL_AVX2 __m256i dot_u8_i8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// As dot_u8_i8 for two signed vectors: moves x's sign onto y (y must not hold -128).
static inline SL_AVX2 __m256i dot_i8_i8(__m256i x, __m256i y) {
    return dot_u8_i8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}
#endif
