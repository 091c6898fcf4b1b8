// AVX-512 VNNI kernels of the packed GEMM (layouts in gemm_internal.h).
//
// The micro-kernel keeps a tile of 16 rows x up to 8 tokens in registers: per 32-column block it
// unpacks the group's weights once (8 vectors of 16 rows x 4 columns, built from nibbles plus 5th or
// 5th-6th bits where the type has them) and runs 8 vpdpbusd per token, each with 4 activation bytes
// broadcast from memory. The integer sums are scaled per block into float accumulators, as llama.cpp's
// repacked kernels do; the super-block K-quants (Q4_K, Q5_K, Q6_K), whose activations have one scale per
// 256 columns, add each block's sum times its weight scale into a per-super-block S, take the mins (or
// Q6_K's offset of 32) as one exact integer term per super-block (vpdpwssd), and multiply by the
// activations' scale once per super-block (order in gemm_internal.h). One function is instantiated per
// type, so every layout offset and branch below is a constant.
#include "gemm_avx512_blocks.h"
#if defined(__x86_64__)

/// One tile of `T` tokens (t0...) for a group whose blocks start at `w`. Each token keeps two integer
/// chains (Q8_0: even and odd column quads; the nibble types: a chunk's lo and hi vectors, which for Q6_K
/// are its columns 0-15 and 16-31, each with its own scale): vpdpbusd's five-cycle latency left one chain
/// per token short of the units' rate. Their sum is exact in any order. For the K-quants f lives in
/// memory (touched once per super-block), so the two chains and S of 8 tokens fit in the 32 registers.
ALWAYS_INLINE SL_AVX512 void tile(const int T, const sl_type type, const uint8_t *w, int64_t nb, const sl_qact *a,
                                  int64_t t0, float *y, int64_t ldy, __mmask16 mask, int accumulate) {
    const int stride = sl_layout_stride(type);
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xi = a->isum + t0 * nb;
    __m512 f[TILE_TOKENS], S[TILE_TOKENS]; // S: the K-quants' super-block sums
    float fk[TILE_TOKENS][16] __attribute__((aligned(64))); // the K-quants' f
    for (int t = 0; t < T; t++) {
        f[t] = S[t] = _mm512_setzero_ps();
        if (k_super(type)) _mm512_store_ps(fk[t], _mm512_setzero_ps());
    }

    const uint8_t *blk = w;
    for (int64_t b = 0; b < nb; b++) {
        const float *hdr = block_header(type, &blk, b);
        // A tile on the packed blocks (decode, and batches of up to one tile) streams the weights from DRAM
        // once: ask for them well ahead, since the unpacking between loads keeps too few of the hardware's
        // own requests in flight (without this, 8 tokens ran at 60% of the rate with it).
        for (int line = 0; line < stride; line += 64) _mm_prefetch((const char *)blk + PREFETCH_AHEAD + line, _MM_HINT_T0);
        __m512i acc[TILE_TOKENS], acc2[TILE_TOKENS];
        if (type == SL_TYPE_Q8_0) {
            // (w + 128) * x summed, less 128 * sum(x), is w * x summed.
            for (int t = 0; t < T; t++) {
                acc[t] = _mm512_set1_epi32(-128 * xi[t * nb + b]);
                acc2[t] = _mm512_setzero_si512();
            }
            for (int j = 0; j < 8; j++) {
                const __m512i wv = _mm512_loadu_si512(blk + 64 * j);
                for (int t = 0; t < T; t++) {
                    const __m512i xv = broadcast4(xq + t * K + b * 32 + 4 * j);
                    if (j & 1) acc2[t] = _mm512_dpbusd_epi32(acc2[t], wv, xv);
                    else acc[t] = _mm512_dpbusd_epi32(acc[t], wv, xv);
                }
            }
        } else {
            for (int t = 0; t < T; t++) {
                acc[t] = block_start(type, xi[t * nb + b]);
                acc2[t] = _mm512_setzero_si512();
            }
            const __m512i h5 = sl_has_fifth_bit(type)
                                   ? _mm512_loadu_si512(blk + PACK_NIBBLES)
                                   : _mm512_setzero_si512();
            // Unpacking one chunk at a time keeps two weight vectors live, so 8 tokens' accumulators
            // fit in registers.
            for (int p = 0; p < 4; p++) {
                __m512i lo, hi;
                unpack_chunk(type, blk, p, h5, &lo, &hi);
                for (int t = 0; t < T; t++) {
                    const int8_t *x = xq + t * K + b * 32 + 4 * p;
                    acc[t] = _mm512_dpbusd_epi32(acc[t], lo, broadcast4(x));
                    acc2[t] = _mm512_dpbusd_epi32(acc2[t], hi, broadcast4(x + 16));
                }
            }
        }
        switch (type) {
        case SL_TYPE_Q4_K:
        case SL_TYPE_Q5_K: {
            const int octets = stride - 2 * PACK_OCTETS;
            const __m512 dsc = _mm512_mul_ps(_mm512_loadu_ps(hdr), load_u8_floats(blk + octets));
            for (int t = 0; t < T; t++) {
                const __m512i sum = _mm512_add_epi32(acc[t], acc2[t]);
                S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), dsc, S[t]);
            }
            break;
        }
        case SL_TYPE_IQ4_XS: {
            const __m512 dw = _mm512_mul_ps(_mm512_loadu_ps(hdr), load_i8_floats(blk + stride - PACK_OCTETS));
            for (int t = 0; t < T; t++) {
                const __m512i sum = _mm512_add_epi32(acc[t], acc2[t]);
                f[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b])), f[t]);
            }
            break;
        }
        case SL_TYPE_Q6_K: {
            const int octets = stride - 2 * PACK_OCTETS;
            const __m512 d = _mm512_loadu_ps(hdr);
            const __m512 dlo = _mm512_mul_ps(d, load_i8_floats(blk + octets));
            const __m512 dhi = _mm512_mul_ps(d, load_i8_floats(blk + octets + PACK_OCTETS));
            for (int t = 0; t < T; t++) {
                S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), dlo, S[t]);
                S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc2[t]), dhi, S[t]);
            }
            break;
        }
        case SL_TYPE_Q4_0: case SL_TYPE_Q4_1: case SL_TYPE_Q5_0: case SL_TYPE_Q5_1: case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: {
            const int halves = stride - (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1 ? 2 : 1) * PACK_HALVES;
            const __m512 dw = load_halves(blk + halves);
            for (int t = 0; t < T; t++) {
                const __m512i sum = _mm512_add_epi32(acc[t], acc2[t]);
                f[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b])), f[t]);
            }
            if (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1) {
                const __m512 mw = load_halves(blk + halves + PACK_HALVES);
                for (int t = 0; t < T; t++) f[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(xs[t * nb + b]), f[t]);
            }
            break;
        }
        case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
            break; // no 8-bit blocks
        }
        if (k_super(type) && b % PACK_SUPER == PACK_SUPER - 1) {
            __m512i M[TILE_TOKENS];
            const __m512 factor = super_block_term(T, type, blk, hdr, a, t0, nb, b, M);
            for (int t = 0; t < T; t++) {
                S[t] = _mm512_fnmadd_ps(factor, _mm512_cvtepi32_ps(M[t]), S[t]);
                _mm512_store_ps(fk[t], _mm512_fmadd_ps(S[t], _mm512_set1_ps(xd[t * nb + b]), _mm512_load_ps(fk[t])));
                S[t] = _mm512_setzero_ps();
            }
        }
        blk += stride;
    }
    for (int t = 0; t < T; t++) {
        float *out = y + (t0 + t) * ldy;
        __m512 v = k_super(type) ? _mm512_load_ps(fk[t]) : f[t];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

/// One tile of `T` tokens, 9 to 16, on the packed blocks: each chunk is unpacked once for all of them
/// (two tiles of 8 unpack it twice, and unpacking competes with vpdpbusd for the same two vector ports).
/// One integer chain per token (16 chains hide vpdpbusd's latency); S and f live in memory, where their
/// once-a-block update costs loads and stores rather than vector ALU slots. Q6_K sums each block's lo
/// columns for every token, then its hi columns, from the hi vectors kept aside on the first pass.
/// The float operations and their order are `tile`'s.
ALWAYS_INLINE SL_AVX512 void wide_tile(const int T, const sl_type type, const uint8_t *w, int64_t nb, const sl_qact *a,
                                       int64_t t0, float *y, int64_t ldy, __mmask16 mask, int accumulate) {
    const int stride = sl_layout_stride(type);
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xi = a->isum + t0 * nb;
    float fm[2 * TILE_TOKENS][16] __attribute__((aligned(64)));
    float Sm[2 * TILE_TOKENS][16] __attribute__((aligned(64)));
    __m512i his[4]; // Q6_K: the block's hi vectors, for its second pass
    for (int t = 0; t < T; t++) {
        _mm512_store_ps(fm[t], _mm512_setzero_ps());
        _mm512_store_ps(Sm[t], _mm512_setzero_ps());
    }
    const uint8_t *blk = w;
    for (int64_t b = 0; b < nb; b++) {
        const float *hdr = block_header(type, &blk, b);
        for (int line = 0; line < stride; line += 64) _mm_prefetch((const char *)blk + PREFETCH_AHEAD + line, _MM_HINT_T0);
        __m512i acc[2 * TILE_TOKENS];
        for (int t = 0; t < T; t++) acc[t] = block_start(type, xi[t * nb + b]);
        if (type == SL_TYPE_Q8_0) {
            for (int j = 0; j < 8; j++) {
                const __m512i wv = _mm512_loadu_si512(blk + 64 * j);
                for (int t = 0; t < T; t++) acc[t] = _mm512_dpbusd_epi32(acc[t], wv, broadcast4(xq + t * K + b * 32 + 4 * j));
            }
        } else {
            const __m512i h5 = sl_has_fifth_bit(type) ? _mm512_loadu_si512(blk + PACK_NIBBLES) : _mm512_setzero_si512();
            for (int p = 0; p < 4; p++) {
                __m512i lo, hi;
                unpack_chunk(type, blk, p, h5, &lo, &hi);
                for (int t = 0; t < T; t++) {
                    const int8_t *x = xq + t * K + b * 32 + 4 * p;
                    acc[t] = _mm512_dpbusd_epi32(acc[t], lo, broadcast4(x));
                    if (type != SL_TYPE_Q6_K) acc[t] = _mm512_dpbusd_epi32(acc[t], hi, broadcast4(x + 16));
                }
                if (type == SL_TYPE_Q6_K) his[p] = hi;
            }
        }
        switch (type) {
        case SL_TYPE_Q4_K:
        case SL_TYPE_Q5_K: {
            const int octets = stride - 2 * PACK_OCTETS;
            const __m512 dsc = _mm512_mul_ps(_mm512_loadu_ps(hdr), load_u8_floats(blk + octets));
            for (int t = 0; t < T; t++) _mm512_store_ps(Sm[t], _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), dsc, _mm512_load_ps(Sm[t])));
            break;
        }
        case SL_TYPE_Q6_K: {
            const int octets = stride - 2 * PACK_OCTETS;
            const __m512 d = _mm512_loadu_ps(hdr);
            const __m512 dlo = _mm512_mul_ps(d, load_i8_floats(blk + octets));
            for (int t = 0; t < T; t++) {
                _mm512_store_ps(Sm[t], _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), dlo, _mm512_load_ps(Sm[t])));
                acc[t] = _mm512_setzero_si512();
            }
            for (int p = 0; p < 4; p++) {
                for (int t = 0; t < T; t++) acc[t] = _mm512_dpbusd_epi32(acc[t], his[p], broadcast4(xq + t * K + b * 32 + 16 + 4 * p));
            }
            const __m512 dhi = _mm512_mul_ps(d, load_i8_floats(blk + octets + PACK_OCTETS));
            for (int t = 0; t < T; t++) _mm512_store_ps(Sm[t], _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), dhi, _mm512_load_ps(Sm[t])));
            break;
        }
        case SL_TYPE_IQ4_XS: {
            const __m512 dw = _mm512_mul_ps(_mm512_loadu_ps(hdr), load_i8_floats(blk + stride - PACK_OCTETS));
            for (int t = 0; t < T; t++) {
                _mm512_store_ps(fm[t], _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b])), _mm512_load_ps(fm[t])));
            }
            break;
        }
        case SL_TYPE_Q4_0: case SL_TYPE_Q4_1: case SL_TYPE_Q5_0: case SL_TYPE_Q5_1: case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: {
            const int halves = stride - (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1 ? 2 : 1) * PACK_HALVES;
            const __m512 dw = load_halves(blk + halves);
            const __m512 mw = type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1 ? load_halves(blk + halves + PACK_HALVES) : _mm512_setzero_ps();
            for (int t = 0; t < T; t++) {
                __m512 f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b])), _mm512_load_ps(fm[t]));
                if (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1) f = _mm512_fmadd_ps(mw, _mm512_set1_ps(xs[t * nb + b]), f);
                _mm512_store_ps(fm[t], f);
            }
            break;
        }
        case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
            break; // no 8-bit blocks
        }
        if (k_super(type) && b % PACK_SUPER == PACK_SUPER - 1) {
            const __m512 factor = super_block_term(T, type, blk, hdr, a, t0, nb, b, acc); // acc holds M
            for (int t = 0; t < T; t++) {
                const __m512 S = _mm512_fnmadd_ps(factor, _mm512_cvtepi32_ps(acc[t]), _mm512_load_ps(Sm[t]));
                _mm512_store_ps(fm[t], _mm512_fmadd_ps(S, _mm512_set1_ps(xd[t * nb + b]), _mm512_load_ps(fm[t])));
                _mm512_store_ps(Sm[t], _mm512_setzero_ps());
            }
        }
        blk += stride;
    }
    for (int t = 0; t < T; t++) {
        float *out = y + (t0 + t) * ldy;
        __m512 v = _mm512_load_ps(fm[t]);
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

// MARK: - Prefill: the group unpacked once

// With more tokens than one tile, the group's weights are unpacked once into 8-bit quants plus float
// scales (an "expanded" block: 512 bytes of quants, chunk j holding columns 4j...4j+3 as in Q8_0, then
// 16 f32 fields of 64 bytes: the scales; Q6_K's scales of columns 16-31; Q4_1's / Q5_1's mins, or the
// K-quants' int16 pairs of their super-block's integer term (Q6_K: this block's (lo, hi) scales; Q4_K,
// Q5_K: the mins of this block and the next, in even blocks); the K-quants' super-block factor (dmin, or
// 32 * d) in a super-block's first block), kept in this thread's buffer in L1/L2, and every tile of
// tokens runs on it: a format-independent kernel, so a K-quant prefill costs what Q8_0's does (as
// ik_llama.cpp converts to Q8_0_R8 / Q8_K_R8 for batches).
// (The expanded block's offsets, EXP_*, are in gemm_internal.h.)

/// How an expanded block's integer sums become floats.
typedef enum {
    EXP_OFFSET, // quants stored plus o (Q4_0, Q5_0, Q8_0, IQ4): start from -o * sum(x); one scale
    EXP_MIN,    // unsigned quants (Q4_1, Q5_1): one scale, plus min * s
    EXP_K_MIN,  // Q4_K, Q5_K: one scale per block, the mins' term per super-block
    EXP_K_SIXTEEN // Q6_K: a scale per 16 columns, the offset of 32's term per super-block
} exp_kind;

ALWAYS_INLINE exp_kind expanded_kind(const sl_type type) {
    switch (type) {
    case SL_TYPE_Q4_0: case SL_TYPE_Q5_0: case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: case SL_TYPE_IQ4_XS: return EXP_OFFSET;
    case SL_TYPE_Q6_K: return EXP_K_SIXTEEN;
    case SL_TYPE_Q4_K: case SL_TYPE_Q5_K: return EXP_K_MIN;
    case SL_TYPE_Q4_1: case SL_TYPE_Q5_1: return EXP_MIN;
    case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K: break; // never expanded
    }
    return EXP_MIN;
}

ALWAYS_INLINE int expanded_stride(const exp_kind kind) {
    return kind == EXP_K_MIN || kind == EXP_K_SIXTEEN ? EXP_K_BLOCK : EXP_BLOCK;
}

ALWAYS_INLINE int expanded_offset(const sl_type type) {
    return type == SL_TYPE_Q4_0 ? 8 : type == SL_TYPE_Q5_0 ? 16 : type == SL_TYPE_Q6_K ? 32 : 128;
}

/// Unpacks every block of a group into `out`, computing the float scales exactly as `tile` does.
ALWAYS_INLINE SL_AVX512 void expand_group(const sl_type type, const uint8_t *w, int64_t nb, uint8_t *out) {
    const int stride = sl_layout_stride(type);
    const int out_stride = expanded_stride(expanded_kind(type));
    const uint8_t *blk = w;
    for (int64_t b = 0; b < nb; b++, out += out_stride) {
        const float *hdr = block_header(type, &blk, b);
        float *scales = (float *)(out + EXP_QUANTS);
        if (type == SL_TYPE_Q8_0) {
            memcpy(out, blk, EXP_QUANTS);
            _mm512_storeu_ps(scales, load_halves(blk + PACK_BYTES));
        } else {
            const __m512i h5 = sl_has_fifth_bit(type)
                                   ? _mm512_loadu_si512(blk + PACK_NIBBLES)
                                   : _mm512_setzero_si512();
            for (int p = 0; p < 4; p++) {
                __m512i lo, hi;
                unpack_chunk(type, blk, p, h5, &lo, &hi);
                _mm512_storeu_si512(out + 64 * p, lo);
                _mm512_storeu_si512(out + 64 * (4 + p), hi);
            }
            switch (type) {
            case SL_TYPE_Q4_K:
            case SL_TYPE_Q5_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                _mm512_storeu_ps(scales, _mm512_mul_ps(_mm512_loadu_ps(hdr), load_u8_floats(blk + octets)));
                const uint8_t *first = blk - (b % PACK_SUPER) * stride;
                if (b % 2 == 0) _mm512_storeu_si512(out + EXP_THIRD, k_pair(type, first, (int)(b % PACK_SUPER) / 2));
                if (b % PACK_SUPER == 0) _mm512_storeu_ps((float *)(out + EXP_FACTOR), _mm512_loadu_ps(hdr + SL_PACK_ROWS));
                break;
            }
            case SL_TYPE_IQ4_XS:
                _mm512_storeu_ps(scales, _mm512_mul_ps(_mm512_loadu_ps(hdr), load_i8_floats(blk + stride - PACK_OCTETS)));
                break;
            case SL_TYPE_Q6_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                const __m512 d = _mm512_loadu_ps(hdr);
                _mm512_storeu_ps(scales, _mm512_mul_ps(d, load_i8_floats(blk + octets)));
                _mm512_storeu_ps((float *)(out + EXP_SCALE2), _mm512_mul_ps(d, load_i8_floats(blk + octets + PACK_OCTETS)));
                _mm512_storeu_si512(out + EXP_THIRD, k_pair(type, blk, 0));
                if (b % PACK_SUPER == 0) _mm512_storeu_ps((float *)(out + EXP_FACTOR), _mm512_mul_ps(d, _mm512_set1_ps(32.0f)));
                break;
            }
            case SL_TYPE_Q4_0: case SL_TYPE_Q4_1: case SL_TYPE_Q5_0: case SL_TYPE_Q5_1: case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: {
                const int halves = stride - (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1 ? 2 : 1) * PACK_HALVES;
                _mm512_storeu_ps(scales, load_halves(blk + halves));
                if (type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1) _mm512_storeu_ps((float *)(out + EXP_THIRD), load_halves(blk + halves + PACK_HALVES));
                break;
            }
            case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
                break; // never expanded
            }
        }
        blk += stride;
    }
}

/// The next group's lines, asked for a few per block while the tiles run on an expanded copy (a 16-token
/// decode step is then bound by the larger of its compute and its weight reads, not their sum).
typedef struct {
    const char *next, *end;
    int lines; // per block
} prefetch_cursor;

ALWAYS_INLINE void prefetch_step(prefetch_cursor *c) {
    if (c->next >= c->end) return;
    for (int line = 0; line < c->lines; line++) _mm_prefetch(c->next + 64 * line, _MM_HINT_T0);
    c->next += 64 * c->lines;
}

/// One tile of `T` tokens over an expanded group: the same float operations, in the same order, as `tile`.
/// Each token keeps two integer chains, columns 0-15 (chunks 0-3) and 16-31 (chunks 4-7), fed in turn:
/// vpdpbusd's latency is five cycles, so one chain per token (8 in flight) ran at about 70% of the rate
/// 16 chains reach. Their integer sum is exact whatever the order (Q6_K scales each half on its own, lo
/// first, as `tile` does). Live per token: the two chains and, for the K-quants, S, so 8 tokens fit in the
/// 32 registers with f in memory (touched once per super-block); the other types keep f in a register.
ALWAYS_INLINE SL_AVX512 void expanded_tile(const int T, const exp_kind kind, const int offset, const uint8_t *e,
                                           int64_t nb, int64_t b_begin, int64_t b_end, const sl_qact *a, int64_t t0,
                                           float *part, float *y, int64_t ldy, __mmask16 mask, int accumulate,
                                           prefetch_cursor *ahead) {
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xi = a->isum + t0 * nb;
    const int is_k = kind == EXP_K_MIN || kind == EXP_K_SIXTEEN;
    const int stride = expanded_stride(kind);
    // f continues from the previous segment's partial sums (this tile's rows of `part`), or starts at 0.
    __m512 f[TILE_TOKENS], S[TILE_TOKENS];
    float *fk = part + t0 * 16; // the K-quants' f, in memory
    for (int t = 0; t < T; t++) {
        S[t] = _mm512_setzero_ps();
        f[t] = b_begin == 0 ? _mm512_setzero_ps() : _mm512_load_ps(fk + 16 * t);
        if (is_k) _mm512_store_ps(fk + 16 * t, f[t]);
    }
    e += b_begin * stride;
    for (int64_t b = b_begin; b < b_end; b++, e += stride) {
        prefetch_step(ahead);
        __m512i lo[TILE_TOKENS], hi[TILE_TOKENS];
        for (int t = 0; t < T; t++) {
            lo[t] = kind == EXP_OFFSET ? _mm512_set1_epi32(-offset * xi[t * nb + b]) : _mm512_setzero_si512();
            hi[t] = _mm512_setzero_si512();
        }
        for (int p = 0; p < 4; p++) {
            const __m512i wl = _mm512_loadu_si512(e + 64 * p), wh = _mm512_loadu_si512(e + 64 * (4 + p));
            for (int t = 0; t < T; t++) {
                const int8_t *x = xq + t * K + b * 32 + 4 * p;
                lo[t] = _mm512_dpbusd_epi32(lo[t], wl, broadcast4(x));
                hi[t] = _mm512_dpbusd_epi32(hi[t], wh, broadcast4(x + 16));
            }
        }
        if (is_k) {
            if (kind == EXP_K_SIXTEEN) {
                // Columns 0-15 scaled into S first, then columns 16-31.
                const __m512 dlo = _mm512_loadu_ps((const float *)(e + EXP_QUANTS));
                const __m512 dhi = _mm512_loadu_ps((const float *)(e + EXP_SCALE2));
                for (int t = 0; t < T; t++) {
                    S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lo[t]), dlo, S[t]);
                    S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(hi[t]), dhi, S[t]);
                }
            } else {
                const __m512 dsc = _mm512_loadu_ps((const float *)(e + EXP_QUANTS));
                for (int t = 0; t < T; t++) S[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(lo[t], hi[t])), dsc, S[t]);
            }
            if (b % PACK_SUPER == PACK_SUPER - 1) {
                // The super-block's end, as in `tile`: S -= factor * M, then f += S * the activations' scale.
                const uint8_t *first = e - (PACK_SUPER - 1) * stride;
                const int64_t b0 = b - (PACK_SUPER - 1);
                const int pairs = kind == EXP_K_SIXTEEN ? PACK_SUPER : PACK_SUPER / 2;
                const int step = kind == EXP_K_SIXTEEN ? 1 : 2; // blocks between pairs
                __m512i M[TILE_TOKENS];
                for (int t = 0; t < T; t++) M[t] = _mm512_setzero_si512();
                for (int i = 0; i < pairs; i++) {
                    const __m512i pair = _mm512_loadu_si512(first + step * i * stride + EXP_THIRD);
                    for (int t = 0; t < T; t++) {
                        int32_t v;
                        if (kind == EXP_K_SIXTEEN) memcpy(&v, a->bsum + (t0 + t) * 2 * nb + 2 * (b0 + i), 4);
                        else memcpy(&v, a->isum16 + (t0 + t) * nb + b0 + 2 * i, 4);
                        M[t] = _mm512_dpwssd_epi32(M[t], pair, _mm512_set1_epi32(v));
                    }
                }
                const __m512 factor = _mm512_loadu_ps((const float *)(first + EXP_FACTOR));
                for (int t = 0; t < T; t++) {
                    S[t] = _mm512_fnmadd_ps(factor, _mm512_cvtepi32_ps(M[t]), S[t]);
                    _mm512_store_ps(fk + 16 * t, _mm512_fmadd_ps(S[t], _mm512_set1_ps(xd[t * nb + b]), _mm512_load_ps(fk + 16 * t)));
                    S[t] = _mm512_setzero_ps();
                }
            }
        } else {
            const __m512 dw = _mm512_loadu_ps((const float *)(e + EXP_QUANTS));
            for (int t = 0; t < T; t++) {
                const __m512i sum = _mm512_add_epi32(lo[t], hi[t]);
                f[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * nb + b])), f[t]);
            }
            if (kind == EXP_MIN) {
                const __m512 mw = _mm512_loadu_ps((const float *)(e + EXP_THIRD));
                for (int t = 0; t < T; t++) f[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(xs[t * nb + b]), f[t]);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        __m512 v = is_k ? _mm512_load_ps(fk + 16 * t) : f[t];
        if (b_end < nb) {
            _mm512_store_ps(fk + 16 * t, v); // the next segment goes on from here
            continue;
        }
        float *out = y + (t0 + t) * ldy;
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, out));
        _mm512_mask_storeu_ps(out, mask, v);
    }
}

/// A buffer of this thread's, grown as needed and kept for the thread's life (the pool's workers live as
/// long as the process), so prefill allocates only when a wider matrix or a longer batch comes. Slot 0
/// holds the expanded group, slot 1 the tiles' partial sums between segments.
static void *thread_buffer(int slot, size_t bytes) {
    static _Thread_local void *buffers[2];
    static _Thread_local size_t capacities[2];
    if (bytes > capacities[slot]) {
        free(buffers[slot]);
        capacities[slot] = (bytes + 4095) & ~(size_t)4095;
        buffers[slot] = aligned_alloc(64, capacities[slot]);
        if (!buffers[slot]) capacities[slot] = 0;
    }
    return buffers[slot];
}

/// Tokens above which a group is expanded once for its tiles. Up to 8 tokens run one tile on the packed
/// blocks, 9 to 16 one wide tile that unpacks each chunk once for all of them: measured on the 1.5B's
/// shapes at 12 and 16 tokens, unpacking as they go beats expanding (16 tokens, then as two tiles of 8:
/// Q4_K gate/up 25% faster, Q6_K down 11%, the Q6_K LM head 8%; the wide tile, two threads, weights from
/// DRAM, best of 4: Q4_K 8960 x 1536 305 -> 368 GMAC/s, the LM head 190 -> 249); from 24 on the expansion
/// pays.
enum { EXPAND_ABOVE = 2 * TILE_TOKENS };

/// Blocks of an expanded group that every tile runs through before the next ones, when the group has more
/// than twice as many: 32 blocks (24 KiB expanded) stay in L1 while all the tiles pass, where a whole
/// group of a wide matrix (the 1.5B's down projection: 280 blocks, 210 KiB) came from L2 for every tile.
/// A multiple of the K-quants' 8-block super-block; tiles keep their f between segments, so the float
/// order is unchanged.
enum { SEGMENT_BLOCKS = 32 };

/// The group kernel of `type`: with more than EXPAND_ABOVE tokens, the group is expanded once and the
/// tiles run on that, a segment of blocks at a time; otherwise one tile (up to 8 tokens) or one wide tile
/// (9 to 16) unpacks the packed blocks as it goes (decode reads each weight once).
ALWAYS_INLINE SL_AVX512 void group_kernel(const sl_type type, const sl_packed_matrix *m, int64_t group,
                                          const sl_qact *a, float *y, int64_t ldy, int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    const size_t group_bytes = sl_packed_size(type, SL_PACK_ROWS, m->cols);
    const uint8_t *w = (const uint8_t *)m->data + (size_t)group * group_bytes;
    const __mmask16 mask = (__mmask16)(nrows >= 16 ? 0xFFFF : (1u << nrows) - 1);
    const exp_kind kind = expanded_kind(type);
    const int expand = a->tokens > EXPAND_ABOVE;
    uint8_t *expanded = expand ? thread_buffer(0, (size_t)nb * (size_t)expanded_stride(kind)) : NULL;
    float *part = expand ? thread_buffer(1, (size_t)((a->tokens + TILE_TOKENS - 1) / TILE_TOKENS * TILE_TOKENS) * 16 * sizeof(float)) : NULL;
    if (expand && (!expanded || !part)) abort(); // out of memory for a few hundred KiB
    if (expanded) expand_group(type, w, nb, expanded);
    const int offset = expanded_offset(type);
    // The tiles read only the expanded copy, so while they run, the next group (the next one this thread
    // takes, unless its chunk ends here) streams in, a slice of its lines per block of the tiles.
    const int64_t tiles = (a->tokens + TILE_TOKENS - 1) / TILE_TOKENS;
    const int64_t lines = (int64_t)(group_bytes + 63) / 64;
    prefetch_cursor ahead = {(const char *)w + group_bytes, (const char *)w + 2 * group_bytes,
                             expanded ? (int)((lines + nb * tiles - 1) / (nb * tiles)) : 0};
    const int64_t segment = nb > 2 * SEGMENT_BLOCKS ? SEGMENT_BLOCKS : nb;
    for (int64_t b0 = 0; b0 < nb; b0 += segment) {
        const int64_t b1 = b0 + segment < nb ? b0 + segment : nb;
        if (!expanded && a->tokens > TILE_TOKENS) {
            switch (a->tokens) {
            case 9: wide_tile(9, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 10: wide_tile(10, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 11: wide_tile(11, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 12: wide_tile(12, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 13: wide_tile(13, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 14: wide_tile(14, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            case 15: wide_tile(15, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            default: wide_tile(16, type, w, nb, a, 0, y, ldy, mask, accumulate); break;
            }
            break;
        }
        for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
            const int64_t n = a->tokens - t0;
#define CALL(T)                                                                                                  \
    if (expanded) expanded_tile(T, kind, offset, expanded, nb, b0, b1, a, t0, part, y, ldy, mask, accumulate, &ahead); \
    else tile(T, type, w, nb, a, t0, y, ldy, mask, accumulate);                                                  \
    break;
            switch (n) {
            case 1: CALL(1)
            case 2: CALL(2)
            case 3: CALL(3)
            case 4: CALL(4)
            case 5: CALL(5)
            case 6: CALL(6)
            case 7: CALL(7)
            default: CALL(8)
            }
#undef CALL
        }
        if (!expanded) break; // the packed tiles run every block at once
    }
}

#define GROUP_KERNEL(name, TYPE)                                                                                 \
    void SL_AVX512 name(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,         \
                        int nrows, int accumulate) {                                                             \
        group_kernel(TYPE, m, group, a, y, ldy, nrows, accumulate);                                              \
    }

GROUP_KERNEL(sl_gemm_group_q4_0_avx512, SL_TYPE_Q4_0)
GROUP_KERNEL(sl_gemm_group_q4_1_avx512, SL_TYPE_Q4_1)
GROUP_KERNEL(sl_gemm_group_q5_0_avx512, SL_TYPE_Q5_0)
GROUP_KERNEL(sl_gemm_group_q5_1_avx512, SL_TYPE_Q5_1)
GROUP_KERNEL(sl_gemm_group_q8_0_avx512, SL_TYPE_Q8_0)
GROUP_KERNEL(sl_gemm_group_q4_K_avx512, SL_TYPE_Q4_K)
GROUP_KERNEL(sl_gemm_group_q5_K_avx512, SL_TYPE_Q5_K)
GROUP_KERNEL(sl_gemm_group_q6_K_avx512, SL_TYPE_Q6_K)
GROUP_KERNEL(sl_gemm_group_iq4_nl_avx512, SL_TYPE_IQ4_NL)
GROUP_KERNEL(sl_gemm_group_iq4_xs_avx512, SL_TYPE_IQ4_XS)

#endif
