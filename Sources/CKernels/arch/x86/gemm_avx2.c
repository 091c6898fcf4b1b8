// AVX2 kernels of the packed GEMM (layouts in gemm_internal.h), for CPUs without AVX-512 VNNI.
//
// The packed layout is the AVX-512 one: a 64-byte chunk holds 4 consecutive quants of each of 16 rows.
// Here a chunk is two 256-bit halves, rows 0-7 and rows 8-15, and a tile is one or both halves x up to
// 4 tokens. Products go through vpmaddubsw (u8 weights x s8 activations, pairs summed into int16) and
// vpmaddwd with ones (to int32). vpmaddubsw saturates its int16 sums, so:
// - 4-, 5- and 6-bit quants (<= 63) times |x| <= 127 never saturate, and several products are summed
//   in int16 before the widening (as long as the bound stays below 32767: 8 for 4-bit, 4 for 5-bit,
//   2 for 6-bit);
// - Q8_0's quants are stored plus 128 (up to 255) and would saturate, so the signed weight is
//   recovered (byte ^ 0x80) and the product taken as |w| x (x with w's sign): no -128 * sum(x) offset.
//   IQ4_NL's and IQ4_XS's indices are looked up into their signed levels and multiplied the same way.
// The integer block sums are the reference's exactly, and the float operations are sl_gemm_group_ref's
// (same fmaf / mul, same order; the K-quants' per super-block, their integer terms through vpmaddwd), so
// the results match it bit for bit.
#include "avx2_common.h"
#if defined(__x86_64__)

// MARK: - The types' constants (the shared ones are in gemm_internal.h)

ALWAYS_INLINE int has_min(const sl_type type) { return type == SL_TYPE_Q4_1 || type == SL_TYPE_Q5_1; }

// MARK: - Helpers

ALWAYS_INLINE SL_AVX2_GEMM __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

ALWAYS_INLINE SL_AVX2_GEMM __m256 load_u8_floats8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

ALWAYS_INLINE SL_AVX2_GEMM __m256 load_i8_floats8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

/// Half `h` (rows 8h...8h+7) of chunk p of a nibble block: its lo and hi vectors, with the 5th bits of
/// `h5` (this half of the block's 5th-bit vector) or Q6_K's top bits merged in.
ALWAYS_INLINE SL_AVX2_GEMM void unpack_half(const sl_type type, const uint8_t *blk, int p, int h, __m256i h5,
                                            __m256i *lo, __m256i *hi) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i packed = _mm256_loadu_si256((const __m256i *)(blk + 64 * p + 32 * h));
    *lo = _mm256_and_si256(packed, low);
    *hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low);
    if (sl_is_iq4(type)) {
        // The indices become their signed levels (vpshufb looks up in each 128-bit lane's copy).
        const __m128i levels = _mm_loadu_si128((const __m128i *)sl_iq4nl_values);
        const __m256i table = _mm256_set_m128i(levels, levels);
        *lo = _mm256_shuffle_epi8(table, *lo);
        *hi = _mm256_shuffle_epi8(table, *hi);
    }
    if (sl_has_fifth_bit(type)) {
        // Bit p (lo) and bit 4 + p (hi) of each byte move to bit 4; what the 16-bit shifts carry across
        // byte boundaries falls outside the mask.
        const __m256i bit = _mm256_set1_epi8(0x10);
        __m256i l5, h5b;
        switch (p) {
        case 0: l5 = _mm256_slli_epi16(h5, 4); h5b = h5; break;
        case 1: l5 = _mm256_slli_epi16(h5, 3); h5b = _mm256_srli_epi16(h5, 1); break;
        case 2: l5 = _mm256_slli_epi16(h5, 2); h5b = _mm256_srli_epi16(h5, 2); break;
        default: l5 = _mm256_slli_epi16(h5, 1); h5b = _mm256_srli_epi16(h5, 3); break;
        }
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(l5, bit));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(h5b, bit));
    }
    if (type == SL_TYPE_Q6_K) {
        // Vector p / 2 of the top bits: bits 0-1 / 2-3 for chunk 2v's lo / hi, 4-5 / 6-7 for chunk 2v + 1.
        const __m256i bits = _mm256_set1_epi8(0x30);
        const __m256i top = _mm256_loadu_si256((const __m256i *)(blk + PACK_NIBBLES + 64 * (p / 2) + 32 * h));
        __m256i l6, h6;
        if (p % 2 == 0) {
            l6 = _mm256_slli_epi16(top, 4);
            h6 = _mm256_slli_epi16(top, 2);
        } else {
            l6 = top;
            h6 = _mm256_srli_epi16(top, 2);
        }
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(l6, bits));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(h6, bits));
    }
}

// MARK: - The K-quants' super-block term

/// The K-quants whose float work is per super-block (see sl_gemm_group_ref): Q4_K, Q5_K, Q6_K.
ALWAYS_INLINE int k_super(const sl_type type) {
    return type == SL_TYPE_Q4_K || type == SL_TYPE_Q5_K || type == SL_TYPE_Q6_K;
}

/// Pairs per super-block: Q4_K / Q5_K pair i holds the mins of blocks 2i and 2i + 1, Q6_K pair i block
/// i's scales of columns 0-15 and 16-31.
ALWAYS_INLINE int k_pairs(const sl_type type) { return type == SL_TYPE_Q6_K ? PACK_SUPER : PACK_SUPER / 2; }

/// Pair i as int16 pairs in the int32 lanes of rows r0...r0+7, `first` the super-block's first block.
ALWAYS_INLINE SL_AVX2_GEMM __m256i k_pair8(const sl_type type, const uint8_t *first, int i, int r0) {
    const int stride = sl_layout_stride(type), octets = stride - 2 * PACK_OCTETS;
    // The two values' bytes interleaved (row r's at bytes 2r, 2r + 1), then widened to int16.
    if (type == SL_TYPE_Q6_K) {
        const uint8_t *scales = first + i * stride + octets + r0;
        const __m128i lo = _mm_loadl_epi64((const __m128i *)scales);
        const __m128i hi = _mm_loadl_epi64((const __m128i *)(scales + PACK_OCTETS));
        return _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(lo, hi));
    }
    const uint8_t *mins = first + 2 * i * stride + octets + PACK_OCTETS + r0;
    const __m128i even = _mm_loadl_epi64((const __m128i *)mins);
    const __m128i odd = _mm_loadl_epi64((const __m128i *)(mins + stride));
    return _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(even, odd));
}

/// The activations' side of pair i of token row t, broadcast: Q4_K / Q5_K the int16 sums of blocks
/// b0 + 2i and b0 + 2i + 1, Q6_K the sums of block b0 + i's two 16 columns.
ALWAYS_INLINE SL_AVX2_GEMM __m256i k_pair_x8(const int six, const sl_qact *a, int64_t t, int64_t nb, int64_t b0, int i) {
    int32_t v;
    if (six) memcpy(&v, a->bsum + t * 2 * nb + 2 * (b0 + i), 4);
    else memcpy(&v, a->isum16 + t * nb + b0 + 2 * i, 4);
    return _mm256_set1_epi32(v);
}

// MARK: - The tile

/// One tile of `T` tokens (t0...) and `H` halves of the group's rows (h0...), the group's blocks
/// starting at `w`. Rows at or past `nrows` are neither read back nor written.
ALWAYS_INLINE SL_AVX2_GEMM void tile(const int T, const int H, const sl_type type, const uint8_t *w, int64_t nb,
                                     const sl_qact *a, int64_t t0, int h0, float *y, int64_t ldy, int nrows,
                                     int accumulate) {
    const int stride = sl_layout_stride(type), header = sl_layout_header(type);
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xi = a->isum + t0 * nb;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 f[2][TILE_TOKENS], S[2][TILE_TOKENS]; // S: the K-quants' super-block sums
    for (int h = 0; h < H; h++)
        for (int t = 0; t < T; t++) f[h][t] = S[h][t] = _mm256_setzero_ps();

    const uint8_t *blk = w;
    for (int64_t b = 0; b < nb; b++) {
        const float *hdr = NULL;
        if (sl_has_super_blocks(type)) {
            if (b % PACK_SUPER == 0) blk += header;
            hdr = (const float *)(blk - (b % PACK_SUPER) * stride - header);
        }
        if (h0 == 0) {
            // The packed blocks stream from DRAM once, in the first (or only) half's pass: ask for them
            // well ahead (as the AVX-512 tile).
            for (int line = 0; line < stride; line += 64) _mm_prefetch((const char *)blk + PREFETCH_AHEAD + line, _MM_HINT_T0);
        }
        // acc: the block's integer sum (Q6_K: columns 0-15); acc2: Q6_K's columns 16-31.
        // (Zero-initialized for the compiler's sake: the first product of each overwrites them.)
        __m256i acc[2][TILE_TOKENS], acc2[2][TILE_TOKENS], s[2][TILE_TOKENS], s2[2][TILE_TOKENS];
        for (int h = 0; h < H; h++) {
            for (int t = 0; t < T; t++) acc[h][t] = acc2[h][t] = s[h][t] = s2[h][t] = _mm256_setzero_si256();
        }
        if (type == SL_TYPE_Q8_0) {
            for (int j = 0; j < 8; j++) {
                for (int h = 0; h < H; h++) {
                    const __m256i stored = _mm256_loadu_si256((const __m256i *)(blk + 64 * j + 32 * (h0 + h)));
                    const __m256i wv = _mm256_xor_si256(stored, _mm256_set1_epi8((char)0x80)); // signed w
                    const __m256i aw = _mm256_sign_epi8(wv, wv); // |w|: -128 gives 0x80, 128 unsigned
                    for (int t = 0; t < T; t++) {
                        // x is never -128 (both quantizers cap at +-127), so its sign flip is exact.
                        const __m256i sx = _mm256_sign_epi8(broadcast4(xq + t * K + b * 32 + 4 * j), wv);
                        const __m256i prod = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), ones);
                        acc[h][t] = j == 0 ? prod : _mm256_add_epi32(acc[h][t], prod);
                    }
                }
            }
        } else if (sl_is_iq4(type)) {
            // Signed levels: |w| x (x with w's sign) per chunk, each product widened on its own.
            for (int p = 0; p < 4; p++) {
                for (int h = 0; h < H; h++) {
                    __m256i lo, hi;
                    unpack_half(type, blk, p, h0 + h, _mm256_setzero_si256(), &lo, &hi);
                    const __m256i alo = _mm256_sign_epi8(lo, lo), ahi = _mm256_sign_epi8(hi, hi);
                    for (int t = 0; t < T; t++) {
                        const int8_t *x = xq + t * K + b * 32 + 4 * p;
                        const __m256i pl = _mm256_madd_epi16(_mm256_maddubs_epi16(alo, _mm256_sign_epi8(broadcast4(x), lo)), ones);
                        const __m256i ph = _mm256_madd_epi16(_mm256_maddubs_epi16(ahi, _mm256_sign_epi8(broadcast4(x + 16), hi)), ones);
                        const __m256i both = _mm256_add_epi32(pl, ph);
                        acc[h][t] = p == 0 ? both : _mm256_add_epi32(acc[h][t], both);
                    }
                }
            }
        } else {
            __m256i h5[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
            if (sl_has_fifth_bit(type)) {
                for (int h = 0; h < H; h++) h5[h] = _mm256_loadu_si256((const __m256i *)(blk + PACK_NIBBLES + 32 * (h0 + h)));
            }
            // int16 partial sums: s (lo + hi products; Q6_K: lo only) and s2 (Q6_K: hi).
            for (int p = 0; p < 4; p++) {
                for (int h = 0; h < H; h++) {
                    __m256i lo, hi;
                    unpack_half(type, blk, p, h0 + h, h5[h], &lo, &hi);
                    for (int t = 0; t < T; t++) {
                        const int8_t *x = xq + t * K + b * 32 + 4 * p;
                        const __m256i pl = _mm256_maddubs_epi16(lo, broadcast4(x));
                        const __m256i ph = _mm256_maddubs_epi16(hi, broadcast4(x + 16));
                        if (type == SL_TYPE_Q6_K) {
                            // |sum| <= 2 * 2 * 63 * 127 per int16 over two chunks.
                            s[h][t] = p % 2 == 0 ? pl : _mm256_add_epi16(s[h][t], pl);
                            s2[h][t] = p % 2 == 0 ? ph : _mm256_add_epi16(s2[h][t], ph);
                            if (p % 2 == 1) {
                                const __m256i wl = _mm256_madd_epi16(s[h][t], ones);
                                const __m256i wh = _mm256_madd_epi16(s2[h][t], ones);
                                acc[h][t] = p == 1 ? wl : _mm256_add_epi32(acc[h][t], wl);
                                acc2[h][t] = p == 1 ? wh : _mm256_add_epi32(acc2[h][t], wh);
                            }
                        } else if (sl_has_fifth_bit(type)) {
                            // |sum| <= 4 * 2 * 31 * 127 per int16 over two chunks.
                            const __m256i both = _mm256_add_epi16(pl, ph);
                            s[h][t] = p % 2 == 0 ? both : _mm256_add_epi16(s[h][t], both);
                            if (p % 2 == 1) {
                                const __m256i wide = _mm256_madd_epi16(s[h][t], ones);
                                acc[h][t] = p == 1 ? wide : _mm256_add_epi32(acc[h][t], wide);
                            }
                        } else {
                            // 4-bit: |sum| <= 8 * 2 * 15 * 127 per int16 over the whole block.
                            const __m256i both = _mm256_add_epi16(pl, ph);
                            s[h][t] = p == 0 ? both : _mm256_add_epi16(s[h][t], both);
                            if (p == 3) acc[h][t] = _mm256_madd_epi16(s[h][t], ones);
                        }
                    }
                }
            }
        }
        // The float part of sl_gemm_group_ref, 8 rows at a time.
        for (int h = 0; h < H; h++) {
            const int r0 = 8 * (h0 + h);
            switch (type) {
            case SL_TYPE_Q4_K:
            case SL_TYPE_Q5_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                const __m256 dsc = _mm256_mul_ps(_mm256_loadu_ps(hdr + r0), load_u8_floats8(blk + octets + r0));
                for (int t = 0; t < T; t++) S[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[h][t]), dsc, S[h][t]);
                break;
            }
            case SL_TYPE_IQ4_XS: {
                const __m256 dw = _mm256_mul_ps(_mm256_loadu_ps(hdr + r0), load_i8_floats8(blk + stride - PACK_OCTETS + r0));
                for (int t = 0; t < T; t++) {
                    f[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[h][t]), _mm256_mul_ps(dw, _mm256_set1_ps(xd[t * nb + b])), f[h][t]);
                }
                break;
            }
            case SL_TYPE_Q6_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                const __m256 d = _mm256_loadu_ps(hdr + r0);
                const __m256 dlo = _mm256_mul_ps(d, load_i8_floats8(blk + octets + r0));
                const __m256 dhi = _mm256_mul_ps(d, load_i8_floats8(blk + octets + PACK_OCTETS + r0));
                // The unsigned quants' sums; the offset of 32 is in the super-block's integer term.
                for (int t = 0; t < T; t++) {
                    S[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[h][t]), dlo, S[h][t]);
                    S[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc2[h][t]), dhi, S[h][t]);
                }
                break;
            }
            case SL_TYPE_Q4_0: case SL_TYPE_Q4_1: case SL_TYPE_Q5_0: case SL_TYPE_Q5_1: case SL_TYPE_Q8_0: case SL_TYPE_IQ4_NL: {
                const int halves = stride - (has_min(type) ? 2 : 1) * PACK_HALVES;
                const __m256 dw = load_halves8(blk + halves + 2 * r0);
                for (int t = 0; t < T; t++) {
                    __m256i sum = acc[h][t];
                    // Q4_0's quants are stored plus 8, Q5_0's plus 16 (Q8_0's and IQ4_NL's sums are already signed).
                    if (type == SL_TYPE_Q4_0) sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(8 * xi[t * nb + b]));
                    if (type == SL_TYPE_Q5_0) sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(16 * xi[t * nb + b]));
                    f[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set1_ps(xd[t * nb + b])), f[h][t]);
                }
                if (has_min(type)) {
                    const __m256 mw = load_halves8(blk + halves + PACK_HALVES + 2 * r0);
                    for (int t = 0; t < T; t++) f[h][t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(xs[t * nb + b]), f[h][t]);
                }
                break;
            }
            case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
                break; // no 8-bit blocks
            }
            if (k_super(type) && b % PACK_SUPER == PACK_SUPER - 1) {
                // The super-block's end: S -= factor * M (fmaf(-factor, M, S)), M exact in int32
                // (vpmaddwd over int16 pairs), factor dmin or 32 * d; then f += S * the activations' scale.
                const uint8_t *first = blk - (PACK_SUPER - 1) * stride;
                const int64_t b0 = b - (PACK_SUPER - 1);
                const __m256 factor = type == SL_TYPE_Q6_K ? _mm256_mul_ps(_mm256_loadu_ps(hdr + r0), _mm256_set1_ps(32.0f))
                                                           : _mm256_loadu_ps(hdr + SL_PACK_ROWS + r0);
                __m256i pairs[PACK_SUPER];
                for (int i = 0; i < k_pairs(type); i++) pairs[i] = k_pair8(type, first, i, r0);
                for (int t = 0; t < T; t++) {
                    __m256i M = _mm256_setzero_si256();
                    for (int i = 0; i < k_pairs(type); i++) {
                        const __m256i x = k_pair_x8(type == SL_TYPE_Q6_K, a, t0 + t, nb, b0, i);
                        M = _mm256_add_epi32(M, _mm256_madd_epi16(pairs[i], x));
                    }
                    S[h][t] = _mm256_fnmadd_ps(factor, _mm256_cvtepi32_ps(M), S[h][t]);
                    f[h][t] = _mm256_fmadd_ps(S[h][t], _mm256_set1_ps(xd[t * nb + b]), f[h][t]);
                    S[h][t] = _mm256_setzero_ps();
                }
            }
        }
        blk += stride;
    }
    store_halves(T, H, f, h0, y, t0, ldy, nrows, accumulate);
}

// MARK: - Prefill: the group unpacked once

// With more tokens than one tile, the group is unpacked once into 8-bit quants and float scales (an
// "expanded" block, as in gemm_avx512.c: 512 bytes of quants, chunk j holding columns 4j...4j+3 of the 16
// rows, rows 0-7 in its first 32 bytes; then 16 scales, 16 more for Q6_K's columns 16-31 or the mins),
// kept in this thread's buffer, and every tile runs on it without unpacking again. Quants of at most 6
// bits stay unsigned as stored (vpmaddubsw multiplies them directly, several chunks summed in int16
// while the bound allows); Q8_0's and IQ4's are kept signed and multiplied with the sign trick. The
// integer sums are the tile's, the float operations the tile's, so results are the reference's.
// The K-quants' expanded blocks carry, as gemm_avx512.c's, their super-block's int16 pairs (Q6_K: this
// block's (lo, hi) scales; Q4_K, Q5_K: the mins of this block and the next, in even blocks) and, in a
// super-block's first block, its factor (dmin, or 32 * d); 16 rows each, rows 0-7 first.
// (The expanded block's offsets, EXP_*, are in gemm_internal.h.)

ALWAYS_INLINE int expanded_stride(const sl_type type) { return k_super(type) ? EXP_K_BLOCK : EXP_BLOCK; }

/// Q8_0's and IQ4's expanded quants are signed; the others unsigned.
ALWAYS_INLINE int expanded_signed(const sl_type type) { return type == SL_TYPE_Q8_0 || sl_is_iq4(type); }

/// Chunks whose vpmaddubsw pairs can be summed in int16: |pair| <= 2 * max quant * 127 each.
ALWAYS_INLINE int expanded_chunks_in_int16(const sl_type type) {
    if (expanded_signed(type)) return 1;                 // 2 * 128 * 127
    if (type == SL_TYPE_Q6_K) return 2;                  // 2 * 2 * 63 * 127
    return sl_has_fifth_bit(type) ? 4 : 8;               // 4 * 2 * 31 * 127, 8 * 2 * 15 * 127
}

/// Unpacks every block of a group into `out`, computing the float scales exactly as `tile` does.
ALWAYS_INLINE SL_AVX2_GEMM void expand_group(const sl_type type, const uint8_t *w, int64_t nb, uint8_t *out) {
    const int stride = sl_layout_stride(type), header = sl_layout_header(type);
    const uint8_t *blk = w;
    for (int64_t b = 0; b < nb; b++, out += expanded_stride(type)) {
        const float *hdr = NULL;
        if (sl_has_super_blocks(type)) {
            if (b % PACK_SUPER == 0) blk += header;
            hdr = (const float *)(blk - (b % PACK_SUPER) * stride - header);
        }
        if (type == SL_TYPE_Q8_0) {
            for (int j = 0; j < 16; j++) {
                const __m256i stored = _mm256_loadu_si256((const __m256i *)(blk + 32 * j));
                _mm256_storeu_si256((__m256i *)(out + 32 * j), _mm256_xor_si256(stored, _mm256_set1_epi8((char)0x80)));
            }
        } else {
            for (int h = 0; h < 2; h++) {
                const __m256i h5 = sl_has_fifth_bit(type) ? _mm256_loadu_si256((const __m256i *)(blk + PACK_NIBBLES + 32 * h))
                                                          : _mm256_setzero_si256();
                for (int p = 0; p < 4; p++) {
                    __m256i lo, hi;
                    unpack_half(type, blk, p, h, h5, &lo, &hi);
                    _mm256_storeu_si256((__m256i *)(out + 64 * p + 32 * h), lo);
                    _mm256_storeu_si256((__m256i *)(out + 64 * (4 + p) + 32 * h), hi);
                }
            }
        }
        float *scales = (float *)(out + EXP_QUANTS);
        for (int h = 0; h < 2; h++) {
            const int r0 = 8 * h;
            switch (type) {
            case SL_TYPE_Q4_K:
            case SL_TYPE_Q5_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                _mm256_storeu_ps(scales + r0, _mm256_mul_ps(_mm256_loadu_ps(hdr + r0), load_u8_floats8(blk + octets + r0)));
                const uint8_t *first = blk - (b % PACK_SUPER) * stride;
                if (b % 2 == 0) {
                    _mm256_storeu_si256((__m256i *)(out + EXP_THIRD + 4 * r0), k_pair8(type, first, (int)(b % PACK_SUPER) / 2, r0));
                }
                if (b % PACK_SUPER == 0) _mm256_storeu_ps((float *)(out + EXP_FACTOR) + r0, _mm256_loadu_ps(hdr + SL_PACK_ROWS + r0));
                break;
            }
            case SL_TYPE_IQ4_XS:
                _mm256_storeu_ps(scales + r0, _mm256_mul_ps(_mm256_loadu_ps(hdr + r0), load_i8_floats8(blk + stride - PACK_OCTETS + r0)));
                break;
            case SL_TYPE_Q6_K: {
                const int octets = stride - 2 * PACK_OCTETS;
                const __m256 d = _mm256_loadu_ps(hdr + r0);
                _mm256_storeu_ps(scales + r0, _mm256_mul_ps(d, load_i8_floats8(blk + octets + r0)));
                _mm256_storeu_ps((float *)(out + EXP_SCALE2) + r0, _mm256_mul_ps(d, load_i8_floats8(blk + octets + PACK_OCTETS + r0)));
                _mm256_storeu_si256((__m256i *)(out + EXP_THIRD + 4 * r0), k_pair8(type, blk, 0, r0));
                if (b % PACK_SUPER == 0) _mm256_storeu_ps((float *)(out + EXP_FACTOR) + r0, _mm256_mul_ps(d, _mm256_set1_ps(32.0f)));
                break;
            }
            case SL_TYPE_Q4_0: case SL_TYPE_Q4_1: case SL_TYPE_Q5_0: case SL_TYPE_Q5_1: case SL_TYPE_Q8_0:
            case SL_TYPE_IQ4_NL: {
                const int halves = stride - (has_min(type) ? 2 : 1) * PACK_HALVES;
                _mm256_storeu_ps(scales + r0, load_halves8(blk + halves + 2 * r0));
                if (has_min(type)) _mm256_storeu_ps((float *)(out + EXP_THIRD) + r0, load_halves8(blk + halves + PACK_HALVES + 2 * r0));
                break;
            }
            case SL_TYPE_F32: case SL_TYPE_F16: case SL_TYPE_BF16: case SL_TYPE_Q8_1: case SL_TYPE_Q8_K:
                break; // never expanded
            }
        }
        blk += stride;
    }
}

/// One tile of `T` tokens over half `h` (rows 8h...8h+7) of an expanded group: the tile's integer sums
/// and float operations (Q6_K's columns 0-15 scaled into S before its columns 16-31 are summed).
ALWAYS_INLINE SL_AVX2_GEMM void expanded_tile(const int T, const sl_type type, const uint8_t *e, int64_t nb,
                                              const sl_qact *a, int64_t t0, int h, float *y, int64_t ldy,
                                              int nrows, int accumulate, const uint8_t *ahead, int ahead_lines,
                                              int64_t ahead_end) {
    const int64_t K = a->cols;
    const int8_t *xq = a->q + t0 * K;
    const float *xd = a->d + t0 * nb;
    const float *xs = a->s + t0 * nb;
    const int32_t *xi = a->isum + t0 * nb;
    const int G = expanded_chunks_in_int16(type);
    const int stride = expanded_stride(type);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 f[2][TILE_TOKENS], S[TILE_TOKENS];
    for (int t = 0; t < T; t++) f[0][t] = S[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++, e += stride) {
        for (int line = 0; line < ahead_lines; line++) _mm_prefetch((const char *)ahead + (b * ahead_lines + line) * 64, _MM_HINT_T0);
        if (ahead_lines && (b + 1) * ahead_lines >= ahead_end) ahead_lines = 0;
        // The block's integer sum (Q6_K: columns 0-15, then 16-31).
        __m256i acc[TILE_TOKENS];
        for (int t = 0; t < T; t++) acc[t] = _mm256_setzero_si256();
        for (int j0 = 0; j0 < 8; j0 += G) {
            __m256i s[TILE_TOKENS];
            for (int g = 0; g < G; g++) {
                const int j = j0 + g;
                const __m256i wv = _mm256_loadu_si256((const __m256i *)(e + 64 * j + 32 * h));
                const __m256i uw = expanded_signed(type) ? _mm256_sign_epi8(wv, wv) : wv;
                for (int t = 0; t < T; t++) {
                    __m256i xv = broadcast4(xq + t * K + b * 32 + 4 * j);
                    // x is never -128 (both quantizers cap at +-127), so its sign flip is exact.
                    if (expanded_signed(type)) xv = _mm256_sign_epi8(xv, wv);
                    const __m256i prod = _mm256_maddubs_epi16(uw, xv);
                    s[t] = g == 0 ? prod : _mm256_add_epi16(s[t], prod);
                }
            }
            for (int t = 0; t < T; t++) acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(s[t], ones));
            if (type == SL_TYPE_Q6_K && j0 + G == 4) {
                const __m256 dlo = _mm256_loadu_ps((const float *)(e + EXP_QUANTS) + 8 * h);
                for (int t = 0; t < T; t++) {
                    S[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[t]), dlo, S[t]);
                    acc[t] = _mm256_setzero_si256();
                }
            }
        }
        if (k_super(type)) {
            const int offset = type == SL_TYPE_Q6_K ? EXP_SCALE2 : EXP_QUANTS;
            const __m256 dsc = _mm256_loadu_ps((const float *)(e + offset) + 8 * h);
            for (int t = 0; t < T; t++) S[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[t]), dsc, S[t]);
            if (b % PACK_SUPER == PACK_SUPER - 1) {
                // The super-block's end, as in `tile`.
                const uint8_t *first = e - (PACK_SUPER - 1) * stride;
                const int64_t b0 = b - (PACK_SUPER - 1);
                const int step = type == SL_TYPE_Q6_K ? 1 : 2; // blocks between pairs
                const __m256 factor = _mm256_loadu_ps((const float *)(first + EXP_FACTOR) + 8 * h);
                for (int t = 0; t < T; t++) {
                    __m256i M = _mm256_setzero_si256();
                    for (int i = 0; i < k_pairs(type); i++) {
                        const __m256i pair = _mm256_loadu_si256((const __m256i *)(first + step * i * stride + EXP_THIRD + 32 * h));
                        M = _mm256_add_epi32(M, _mm256_madd_epi16(pair, k_pair_x8(type == SL_TYPE_Q6_K, a, t0 + t, nb, b0, i)));
                    }
                    S[t] = _mm256_fnmadd_ps(factor, _mm256_cvtepi32_ps(M), S[t]);
                    f[0][t] = _mm256_fmadd_ps(S[t], _mm256_set1_ps(xd[t * nb + b]), f[0][t]);
                    S[t] = _mm256_setzero_ps();
                }
            }
            continue;
        }
        const __m256 dw = _mm256_loadu_ps((const float *)(e + EXP_QUANTS) + 8 * h);
        for (int t = 0; t < T; t++) {
            // Q4_0's quants are stored plus 8, Q5_0's plus 16; the signed kinds' sums are already exact.
            __m256i sum = acc[t];
            if (type == SL_TYPE_Q4_0) sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(8 * xi[t * nb + b]));
            if (type == SL_TYPE_Q5_0) sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(16 * xi[t * nb + b]));
            f[0][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set1_ps(xd[t * nb + b])), f[0][t]);
            if (has_min(type)) {
                f[0][t] = _mm256_fmadd_ps(_mm256_loadu_ps((const float *)(e + EXP_THIRD) + 8 * h), _mm256_set1_ps(xs[t * nb + b]), f[0][t]);
            }
        }
    }
    store_halves(T, 1, f, h, y, t0, ldy, nrows, accumulate);
}

/// This thread's buffer for an expanded group, grown as needed and kept for the thread's life (the
/// pool's workers live as long as the process), so prefill allocates only when a wider matrix comes.
static uint8_t *expansion_buffer(size_t bytes) {
    static _Thread_local uint8_t *buffer;
    static _Thread_local size_t capacity;
    if (bytes > capacity) {
        free(buffer);
        capacity = (bytes + 4095) & ~(size_t)4095;
        buffer = aligned_alloc(64, capacity);
        if (!buffer) capacity = 0;
    }
    return buffer;
}

/// The group kernel of `type`: one or two tokens run over both halves at once (decode reads each weight
/// once); more than one tile's tokens run on the group expanded once, half by half in tiles of up to 4
/// tokens; 3 or 4 tokens run half by half on the packed blocks.
ALWAYS_INLINE SL_AVX2_GEMM void group_kernel(const sl_type type, const sl_packed_matrix *m, int64_t group,
                                             const sl_qact *a, float *y, int64_t ldy, int nrows, int accumulate) {
    const int64_t nb = m->cols / 32;
    const size_t group_bytes = sl_packed_size(type, SL_PACK_ROWS, m->cols);
    const uint8_t *w = (const uint8_t *)m->data + (size_t)group * group_bytes;
    uint8_t *expanded = a->tokens > TILE_TOKENS ? expansion_buffer((size_t)nb * (size_t)expanded_stride(type)) : NULL;
    if (expanded) {
        expand_group(type, w, nb, expanded);
        // While the tiles run on the expanded copy, the next group streams in, a slice of its lines per
        // block of every pass (as the AVX-512 group kernel does).
        const int halves = nrows > 8 ? 2 : 1;
        const int64_t passes = halves * ((a->tokens + TILE_TOKENS - 1) / TILE_TOKENS);
        const int64_t lines = (int64_t)(group_bytes + 63) / 64;
        const int ahead_lines = (int)((lines + nb * passes - 1) / (nb * passes));
        int64_t first = 0; // the next pass's first line of the next group
        for (int h = 0; h < halves; h++) {
            for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS, first += nb * ahead_lines) {
                const uint8_t *ahead = w + group_bytes + first * 64;
                const int n = first < lines ? ahead_lines : 0;
                switch (a->tokens - t0) {
                case 1: expanded_tile(1, type, expanded, nb, a, t0, h, y, ldy, nrows, accumulate, ahead, n, lines - first); break;
                case 2: expanded_tile(2, type, expanded, nb, a, t0, h, y, ldy, nrows, accumulate, ahead, n, lines - first); break;
                case 3: expanded_tile(3, type, expanded, nb, a, t0, h, y, ldy, nrows, accumulate, ahead, n, lines - first); break;
                default: expanded_tile(4, type, expanded, nb, a, t0, h, y, ldy, nrows, accumulate, ahead, n, lines - first); break;
                }
            }
        }
        return;
    }
    if (nrows > 8 && a->tokens <= 2) {
        if (a->tokens == 1) tile(1, 2, type, w, nb, a, 0, 0, y, ldy, nrows, accumulate);
        else tile(2, 2, type, w, nb, a, 0, 0, y, ldy, nrows, accumulate);
        return;
    }
    for (int h = 0; h < (nrows > 8 ? 2 : 1); h++) {
        for (int64_t t0 = 0; t0 < a->tokens; t0 += TILE_TOKENS) {
            switch (a->tokens - t0) {
            case 1: tile(1, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            case 2: tile(2, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            case 3: tile(3, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            default: tile(4, 1, type, w, nb, a, t0, h, y, ldy, nrows, accumulate); break;
            }
        }
    }
}

#define GROUP_KERNEL(name, TYPE)                                                                                 \
    void SL_AVX2_GEMM name(const sl_packed_matrix *m, int64_t group, const sl_qact *a, float *y, int64_t ldy,     \
                           int nrows, int accumulate) {                                                          \
        group_kernel(TYPE, m, group, a, y, ldy, nrows, accumulate);                                              \
    }

GROUP_KERNEL(sl_gemm_group_q4_0_avx2, SL_TYPE_Q4_0)
GROUP_KERNEL(sl_gemm_group_q4_1_avx2, SL_TYPE_Q4_1)
GROUP_KERNEL(sl_gemm_group_q5_0_avx2, SL_TYPE_Q5_0)
GROUP_KERNEL(sl_gemm_group_q5_1_avx2, SL_TYPE_Q5_1)
GROUP_KERNEL(sl_gemm_group_q8_0_avx2, SL_TYPE_Q8_0)
GROUP_KERNEL(sl_gemm_group_q4_K_avx2, SL_TYPE_Q4_K)
GROUP_KERNEL(sl_gemm_group_q5_K_avx2, SL_TYPE_Q5_K)
GROUP_KERNEL(sl_gemm_group_q6_K_avx2, SL_TYPE_Q6_K)
GROUP_KERNEL(sl_gemm_group_iq4_nl_avx2, SL_TYPE_IQ4_NL)
GROUP_KERNEL(sl_gemm_group_iq4_xs_avx2, SL_TYPE_IQ4_XS)

#endif
