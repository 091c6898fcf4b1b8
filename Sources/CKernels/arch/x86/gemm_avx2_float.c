// AVX2 kernels of the packed GEMM for float weights (F16, BF16) and the activation quantizer (the
// 8-bit formats' kernels are in gemm_avx2.c).
#include "avx2_common.h"
#if defined(__x86_64__)

// MARK: - Float weights (F16, BF16)

// The reference's order (float_row_dot in gemm.c), 8 rows per vector: each 32-column block summed from
// zero, F16 column by column on vcvtph2ps'd weights, BF16 pair by pair (odd column first) on bf16 values
// widened to f32, whose products FMA forms exactly as vdpbf16ps does; the block sums added in order.
// Few tokens sum several blocks side by side to keep enough FMA chains in flight.

ALWAYS_INLINE SL_AVX2_GEMM void float_blocks(const sl_type type, const int T, const int H, const int U,
                                             const uint8_t *blk, int h0, int64_t b, const sl_qact *a, int64_t t0,
                                             __m256 f[2][TILE_TOKENS]) {
    const int64_t K = a->cols;
    __m256 s[4][2][TILE_TOKENS];
    for (int u = 0; u < U; u++)
        for (int h = 0; h < H; h++)
            for (int t = 0; t < T; t++) s[u][h][t] = _mm256_setzero_ps();
    if (type == SL_TYPE_F16) {
        const float *x = a->f32 + t0 * K;
        for (int k = 0; k < 32; k++) {
            for (int u = 0; u < U; u++) {
                for (int h = 0; h < H; h++) {
                    const __m256 wv = load_halves8(blk + u * PACK_FLOAT16 + 32 * k + 16 * (h0 + h));
                    for (int t = 0; t < T; t++)
                        s[u][h][t] = _mm256_fmadd_ps(wv, _mm256_set1_ps(x[t * K + (b + u) * 32 + k]), s[u][h][t]);
                }
            }
        }
    } else {
        const uint16_t *x = a->bf16 + t0 * K;
        const __m256i top = _mm256_set1_epi32((int)0xFFFF0000u);
        for (int j = 0; j < 16; j++) {
            for (int u = 0; u < U; u++) {
                for (int h = 0; h < H; h++) {
                    const __m256i raw = _mm256_loadu_si256((const __m256i *)(blk + u * PACK_FLOAT16 + 64 * j + 32 * (h0 + h)));
                    const __m256 w_odd = _mm256_castsi256_ps(_mm256_and_si256(raw, top));
                    const __m256 w_even = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
                    for (int t = 0; t < T; t++) {
                        int32_t pair;
                        memcpy(&pair, x + t * K + (b + u) * 32 + 2 * j, 4);
                        const __m256i xv = _mm256_set1_epi32(pair);
                        s[u][h][t] = _mm256_fmadd_ps(w_odd, _mm256_castsi256_ps(_mm256_and_si256(xv, top)), s[u][h][t]);
                        s[u][h][t] = _mm256_fmadd_ps(w_even, _mm256_castsi256_ps(_mm256_slli_epi32(xv, 16)), s[u][h][t]);
                    }
                }
            }
        }
    }
    for (int u = 0; u < U; u++)
        for (int h = 0; h < H; h++)
            for (int t = 0; t < T; t++) f[h][t] = _mm256_add_ps(f[h][t], s[u][h][t]);
}

ALWAYS_INLINE SL_AVX2_GEMM void float_tile(const int T, const int H, const sl_type type, const uint8_t *w, int64_t nb,
                                           const sl_qact *a, int64_t t0, int h0, float *y, int64_t ldy, int nrows,
                                           int accumulate) {
    const int U = T * H >= 4 ? 2 : 4;
    __m256 f[2][TILE_TOKENS];
    for (int h = 0; h < H; h++)
        for (int t = 0; t < T; t++) f[h][t] = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + U <= nb; b += U) {
        if (T <= 2 && H == 2) {
            for (int line = 0; line < U * PACK_FLOAT16; line += 64)
                _mm_prefetch((const char *)w + b * PACK_FLOAT16 + PREFETCH_AHEAD + line, _MM_HINT_T0);
        }
        float_blocks(type, T, H, U, w + b * PACK_FLOAT16, h0, b, a, t0, f);
    }
    for (; b < nb; b++) float_blocks(type, T, H, 1, w + b * PACK_FLOAT16, h0, b, a, t0, f);
    store_halves(T, H, f, h0, y, t0, ldy, nrows, accumulate);
}

/// As group_kernel, for the float types.
ALWAYS_INLINE SL_AVX2_GEMM void float_group_kernel(const sl_type type, const sl_packed_matrix *m, int64_t group,
                                                   const sl_qact *a, float *y, int64_t ldy, int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    const uint8_t *w = (const uint8_t *)m->data + (size_t)group * (size_t)nb * PACK_FLOAT16;
    if (nrows > 8 && a->tokens <= 2) {
        if (a->tokens == 1) float_tile(1, 2, type, w, nb, a, 0, 0, y, ldy, nrows, accumulate);
        else float_tile(2, 2, type, w, nb, a, 0, 0, y, ldy, nrows, accumulate);
        return;
    }
    for (int h = 0; h < (nrows > 8 ? 2 : 1); h++) {
        for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
            switch (a->tokens - t0) {
            case 1: float_tile(1, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            case 2: float_tile(2, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            case 3: float_tile(3, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            default: float_tile(4, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            }
        }
    }
}

void SL_AVX2_GEMM sl_gemm_group_f16_avx2(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                         int64_t ldy, int nrows, int accumulate) {
    float_group_kernel(SL_TYPE_F16, m, group, a, y, ldy, nrows, accumulate);
}

void SL_AVX2_GEMM sl_gemm_group_bf16_avx2(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y,
                                          int64_t ldy, int nrows, int accumulate) {
    float_group_kernel(SL_TYPE_BF16, m, group, a, y, ldy, nrows, accumulate);
}

// MARK: - Activation quantizer

ALWAYS_INLINE SL_AVX2_GEMM __m256 abs8(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

ALWAYS_INLINE SL_AVX2_GEMM float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

ALWAYS_INLINE SL_AVX2_GEMM int hsum8(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

/// 32 int32 values (all within int8) stored as 32 bytes in order.
ALWAYS_INLINE SL_AVX2_GEMM void store_bytes32(int8_t *q, __m256i q0, __m256i q1, __m256i q2, __m256i q3) {
    // The packs work per 128-bit lane: dwords come out as q0[0-3] q1[0-3] q2[0-3] q3[0-3] q0[4-7] ...
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    _mm256_storeu_si256((__m256i *)q, _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

/// The f16 rounding of f, as a float (F16C rounds to nearest even, as sl_fp32_to_fp16).
ALWAYS_INLINE SL_AVX2_GEMM float through_half(float f) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT)));
}

/// Q8_K's rule over one 256-value super-block, bit-identical to quantize_q8_k_ref in gemm.c.
static SL_AVX2_GEMM void quantize_q8_k(const float *x, sl_qact *a, int64_t t, int64_t super) {
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols + super * 256;
    __m256 vmax = _mm256_setzero_ps();
    for (int k = 0; k < 256; k += 8) vmax = _mm256_max_ps(vmax, abs8(_mm256_loadu_ps(x + k)));
    const float amax = hmax8(vmax);
    // The first value of that magnitude, as the reference's scan keeps it.
    float max = 0;
    if (amax != 0) {
        for (int k = 0; k < 256; k += 8) {
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs8(_mm256_loadu_ps(x + k)), _mm256_set1_ps(amax), _CMP_EQ_OQ));
            if (hit) {
                max = x[k + __builtin_ctz((unsigned)hit)];
                break;
            }
        }
    }
    const float iscale = amax != 0 ? -127.0f / max : 0.0f;
    const float d = amax != 0 ? 1 / iscale : 0.0f;
    const __m256 vs = _mm256_set1_ps(iscale);
    const __m256i cap = _mm256_set1_epi32(127);
    for (int j = 0; j < 8; j++) {
        __m256i v[4];
        // cvtps rounds half to even under the default MXCSR, as nearbyintf does in the reference.
        for (int i = 0; i < 4; i++) {
            v[i] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(vs, _mm256_loadu_ps(x + 32 * j + 8 * i))), cap);
        }
        const int s0 = hsum8(_mm256_add_epi32(v[0], v[1])), s1 = hsum8(_mm256_add_epi32(v[2], v[3]));
        store_bytes32(q + 32 * j, v[0], v[1], v[2], v[3]);
        const int64_t b = super * 8 + j;
        a->bsum[t * 2 * nb + 2 * b] = (int16_t)s0;
        a->bsum[t * 2 * nb + 2 * b + 1] = (int16_t)s1;
        a->isum[t * nb + b] = s0 + s1;
        a->isum16[t * nb + b] = (int16_t)(s0 + s1);
        a->d[t * nb + b] = d;
        a->s[t * nb + b] = d * (float)(s0 + s1);
    }
}

/// sl_bf16_round_daz on 8 floats, as 8 bf16 values.
ALWAYS_INLINE SL_AVX2_GEMM __m128i bf16_round_daz8(__m256 v) {
    const __m256i x = _mm256_castps_si256(v);
    const __m256i high = _mm256_srli_epi32(x, 16);
    const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), _mm256_and_si256(high, _mm256_set1_epi32(1)));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(x, bias), 16);
    // Signed compare suffices: with the sign bit cleared both sides are non-negative.
    const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0x7FFFFFFF)), _mm256_set1_epi32(0x7F800000));
    r = _mm256_blendv_epi8(r, _mm256_or_si256(high, _mm256_set1_epi32(0x40)), nan);
    const __m256i tiny = _mm256_cmpeq_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
    r = _mm256_blendv_epi8(r, _mm256_and_si256(high, _mm256_set1_epi32(0x8000)), tiny);
    // Every lane now fits 16 bits: pack the two 128-bit halves without saturating.
    return _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
}

void SL_AVX2_GEMM sl_quantize_act_row_avx2(const float *x, sl_qact *a, int64_t t) {
    switch (a->format) {
    case SL_ACT_Q8_1: break;
    case SL_ACT_Q8_K:
        for (int64_t super = 0; super < a->cols / 256; super++) quantize_q8_k(x + super * 256, a, t, super);
        return;
    case SL_ACT_F16_PRODUCTS:
        // Only AVX512-FP16 has a kernel for this format (sl_packed_f16_products): no AVX2 version.
        sl_quantize_act_row_ref(x, a, t);
        return;
    case SL_ACT_F16:
        // vcvtps2ph rounds to nearest even, as sl_fp32_to_fp16 (NaNs aside, which stay NaNs).
        for (int64_t k = 0; k < a->cols; k += 8) {
            const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + k), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            _mm256_storeu_ps(a->f32 + t * a->cols + k, _mm256_cvtph_ps(h));
        }
        return;
    case SL_ACT_BF16:
        for (int64_t k = 0; k < a->cols; k += 8) {
            _mm_storeu_si128((__m128i *)(a->bf16 + t * a->cols + k), bf16_round_daz8(_mm256_loadu_ps(x + k)));
        }
        return;
    }
    const int64_t nb = a->cols / 32;
    int8_t *q = a->q + t * a->cols;
    for (int64_t b = 0; b < nb; b++, x += 32, q += 32) {
        __m256 v[4];
        for (int i = 0; i < 4; i++) v[i] = _mm256_loadu_ps(x + 8 * i);
        const float amax = hmax8(_mm256_max_ps(_mm256_max_ps(abs8(v[0]), abs8(v[1])), _mm256_max_ps(abs8(v[2]), abs8(v[3]))));
        const float d = amax / 127;
        const __m256 id = _mm256_set1_ps(amax != 0 ? 127.0f / amax : 0.0f);
        __m256i qi[4];
        for (int i = 0; i < 4; i++) qi[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], id));
        const int sum = hsum8(_mm256_add_epi32(_mm256_add_epi32(qi[0], qi[1]), _mm256_add_epi32(qi[2], qi[3])));
        store_bytes32(q, qi[0], qi[1], qi[2], qi[3]);
        a->d[t * nb + b] = through_half(d);
        a->s[t * nb + b] = through_half((float)sum * d);
        a->isum[t * nb + b] = sum;
    }
}

/// e^x as sl_exp512 computes it (the same reduction and polynomial), with 2^n applied as two exact powers
/// of two (AVX2 has no vscalefps), so results below f32's normal range still round once.
ALWAYS_INLINE SL_AVX2_GEMM __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(89.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // n in [-150, 128]: n = n1 + n2 with both in [-75, 64], each 2^k a normal float.
    const __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

void SL_AVX2_GEMM sl_swiglu_row_avx2(const float *gate, const float *up, float *out, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
        const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    if (i < n) sl_swiglu_row_ref(gate + i, up + i, out + i, n - i);
}

#endif
