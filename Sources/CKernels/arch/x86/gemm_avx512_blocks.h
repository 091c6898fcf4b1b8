// The block-level steps the AVX-512 tiles of gemm_avx512.c share: broadcasts and scale loads, unpacking a
// chunk of a nibble block (5th and 6th bits merged), a block's super-block header and where its integer sum
// starts, and the K-quants' per-super-block integer term (layouts and float order in gemm_internal.h).
#pragma once
#include "avx512_common.h"
#if defined(__x86_64__)

ALWAYS_INLINE SL_AVX512 __m512i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

ALWAYS_INLINE SL_AVX512 __m512 load_halves(const uint8_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

ALWAYS_INLINE SL_AVX512 __m512 load_u8_floats(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)));
}

ALWAYS_INLINE SL_AVX512 __m512 load_i8_floats(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)));
}

/// The K-quants whose float work is per super-block (see sl_gemm_group_ref): Q4_K, Q5_K, Q6_K.
ALWAYS_INLINE int k_super(const sl_type type) {
    return type == SL_TYPE_Q4_K || type == SL_TYPE_Q5_K || type == SL_TYPE_Q6_K;
}

/// The weights' side of a super-block's integer term, as int16 pairs per row lane for vpdpwssd:
/// Q4_K / Q5_K pair i (0...3) holds the mins of blocks 2i and 2i + 1 (u8); Q6_K pair i (0...7) the
/// scales of block i's columns 0-15 and 16-31 (int8). `first` is the super-block's first block.
ALWAYS_INLINE SL_AVX512 __m512i k_pair(const sl_type type, const uint8_t *first, int i) {
    const int stride = sl_layout_stride(type), octets = stride - 2 * PACK_OCTETS;
    if (type == SL_TYPE_Q6_K) {
        // The block's 16 lo then 16 hi scales, widened, then interleaved: word 2r = lo_r, 2r + 1 = hi_r.
        const __m512i both = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(first + i * stride + octets)));
        const __m512i rows = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i index = _mm512_or_si512(rows, _mm512_slli_epi32(_mm512_add_epi32(rows, _mm512_set1_epi32(16)), 16));
        return _mm512_permutexvar_epi16(index, both);
    }
    const uint8_t *mins = first + 2 * i * stride + octets + PACK_OCTETS;
    const __m512i even = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)mins));
    const __m512i odd = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(mins + stride)));
    return _mm512_or_si512(even, _mm512_slli_epi32(odd, 16));
}

/// The activations' side of pair i for token row t (offsets into a token view): Q4_K / Q5_K the int16
/// sums of blocks b0 + 2i and b0 + 2i + 1, Q6_K the sums of block b0 + i's two 16 columns; broadcast.
ALWAYS_INLINE SL_AVX512 __m512i k_pair_x(const sl_type type, const sl_qact *a, int64_t t, int64_t nb, int64_t b0, int i) {
    int32_t v;
    if (type == SL_TYPE_Q6_K) memcpy(&v, a->bsum + t * 2 * nb + 2 * (b0 + i), 4);
    else memcpy(&v, a->isum16 + t * nb + b0 + 2 * i, 4);
    return _mm512_set1_epi32(v);
}

/// Pairs per super-block.
ALWAYS_INLINE int k_pairs(const sl_type type) { return type == SL_TYPE_Q6_K ? PACK_SUPER : PACK_SUPER / 2; }

/// Chunk p's lo and hi vectors of a nibble block, with the 5th bits of `h5` or the top bits of `h6`
/// (the vector covering chunk p) merged in.
ALWAYS_INLINE SL_AVX512 void unpack_chunk(const sl_type type, const uint8_t *blk, int p, __m512i h5, __m512i *lo,
                                          __m512i *hi) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i packed = _mm512_loadu_si512(blk + 64 * p);
    *lo = _mm512_and_si512(packed, low);
    *hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low);
    if (sl_is_iq4(type)) {
        // The indices become their levels plus 128 (vpshufb looks up in each 128-bit lane's copy).
        const __m512i table = _mm512_broadcast_i32x4(_mm_add_epi8(_mm_loadu_si128((const __m128i *)sl_iq4nl_values),
                                                                  _mm_set1_epi8((char)0x80)));
        *lo = _mm512_shuffle_epi8(table, *lo);
        *hi = _mm512_shuffle_epi8(table, *hi);
    }
    if (sl_has_fifth_bit(type)) {
        // Bit p (lo) and bit 4 + p (hi) of each byte become bit 4; 16-bit shifts leak bits across the
        // byte boundary only outside the mask.
        const __m512i bit = _mm512_set1_epi8(0x10);
        __m512i l5, h5b;
        switch (p) {
        case 0: l5 = _mm512_slli_epi16(h5, 4); h5b = h5; break;
        case 1: l5 = _mm512_slli_epi16(h5, 3); h5b = _mm512_srli_epi16(h5, 1); break;
        case 2: l5 = _mm512_slli_epi16(h5, 2); h5b = _mm512_srli_epi16(h5, 2); break;
        default: l5 = _mm512_slli_epi16(h5, 1); h5b = _mm512_srli_epi16(h5, 3); break;
        }
        *lo = _mm512_or_si512(*lo, _mm512_and_si512(l5, bit));
        *hi = _mm512_or_si512(*hi, _mm512_and_si512(h5b, bit));
    }
    if (type == SL_TYPE_Q6_K) {
        const __m512i bits = _mm512_set1_epi8(0x30);
        const __m512i h = _mm512_loadu_si512(blk + PACK_NIBBLES + 64 * (p / 2));
        __m512i l6, h6;
        if (p % 2 == 0) {
            l6 = _mm512_slli_epi16(h, 4); // bits 0-1 -> 4-5
            h6 = _mm512_slli_epi16(h, 2); // bits 2-3 -> 4-5
        } else {
            l6 = h;                       // bits 4-5 stay
            h6 = _mm512_srli_epi16(h, 2); // bits 6-7 -> 4-5
        }
        *lo = _mm512_or_si512(*lo, _mm512_and_si512(l6, bits));
        *hi = _mm512_or_si512(*hi, _mm512_and_si512(h6, bits));
    }
}


/// Block b's super-block header (the K-quants and IQ4_XS), stepping `*blk` over the header at a
/// super-block's first block; NULL for the 32-column types.
ALWAYS_INLINE const float *block_header(const sl_type type, const uint8_t **blk, int64_t b) {
    if (!sl_has_super_blocks(type)) return NULL;
    const int stride = sl_layout_stride(type), header = sl_layout_header(type);
    if (b % PACK_SUPER == 0) *blk += header;
    return (const float *)(*blk - (b % PACK_SUPER) * stride - header);
}

/// Where a block's integer sum starts for a token whose block sum of x is `isum`: Q4_0's quants are q - 8,
/// Q5_0's q - 16, Q8_0's and IQ4's stored plus 128 (looked up plus 128), so those start from -offset *
/// sum(x); the unsigned quants from zero (Q6_K's offset of 32 is in its super-block's integer term).
ALWAYS_INLINE SL_AVX512 __m512i block_start(const sl_type type, int32_t isum) {
    switch (type) {
    case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: case SL_TYPE_IQ4_XS: return _mm512_set1_epi32(-128 * isum);
    case SL_TYPE_Q4_0: return _mm512_set1_epi32(-8 * isum);
    case SL_TYPE_Q5_0: return _mm512_set1_epi32(-16 * isum);
    case SL_TYPE_Q4_1: case SL_TYPE_Q5_1: case SL_TYPE_Q4_K: case SL_TYPE_Q5_K: case SL_TYPE_Q6_K:
    case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K: break;
    }
    return _mm512_setzero_si512();
}

/// The end of the super-block whose header is `hdr` and whose last block is b: M[t] = the exact integer
/// term (vpdpwssd over int16 pairs) for tokens t0... of `a`; returns its factor, dmin (Q4_K, Q5_K) or
/// 32 * d (Q6_K, exact). The tiles then take S -= factor * M (fnmadd is fmaf(-factor, M, S) exactly) and
/// f += S * the activations' scale.
ALWAYS_INLINE SL_AVX512 __m512 super_block_term(const int T, const sl_type type, const uint8_t *blk, const float *hdr,
                                                const sl_qact *a, int64_t t0, int64_t nb, int64_t b, __m512i *M) {
    const uint8_t *first = blk - (PACK_SUPER - 1) * sl_layout_stride(type);
    const int64_t b0 = b - (PACK_SUPER - 1);
    for (int t = 0; t < T; t++) M[t] = _mm512_setzero_si512();
    for (int i = 0; i < k_pairs(type); i++) {
        const __m512i pair = k_pair(type, first, i);
        for (int t = 0; t < T; t++) M[t] = _mm512_dpwssd_epi32(M[t], pair, k_pair_x(type, a, t0 + t, nb, b0, i));
    }
    return type == SL_TYPE_Q6_K ? _mm512_mul_ps(_mm512_loadu_ps(hdr), _mm512_set1_ps(32.0f)) : _mm512_loadu_ps(hdr + SL_PACK_ROWS);
}

#endif
