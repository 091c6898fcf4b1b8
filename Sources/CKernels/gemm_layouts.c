// The packed layouts' traits table: for each weight type, where each part of a packed block lives, how
// its activations are quantized, how one GGUF block is read, and its kernel at each SIMD level. The one
// place a type is declared for the packed GEMM (as quants_traits.c is for the row formats); a type
// missing here has no packed path, and no kernel falls back to another type's.
#include "gemm_internal.h"

// MARK: - Reading GGUF blocks

static void read_q4_0(const void *row, int64_t b, sl_source_block *out) {
    const block_q4_0 *blk = (const block_q4_0 *)row + b;
    for (int k = 0; k < 16; k++) {
        out->q[k] = blk->qs[k] & 0xF;
        out->q[k + 16] = blk->qs[k] >> 4;
    }
    out->half[0] = blk->d;
}

static void read_q4_1(const void *row, int64_t b, sl_source_block *out) {
    const block_q4_1 *blk = (const block_q4_1 *)row + b;
    for (int k = 0; k < 16; k++) {
        out->q[k] = blk->qs[k] & 0xF;
        out->q[k + 16] = blk->qs[k] >> 4;
    }
    out->half[0] = blk->d;
    out->half[1] = blk->m;
}

/// The 5-bit quants of a Q5_0 / Q5_1 block: nibbles plus bit k of qh as bit 4 of element k.
static void read_q5_quants(const uint8_t *qs, const uint8_t *qh_bytes, uint8_t *q) {
    uint32_t qh;
    memcpy(&qh, qh_bytes, 4);
    for (int k = 0; k < 16; k++) {
        q[k] = (uint8_t)((qs[k] & 0xF) | ((qh >> k) & 1) << 4);
        q[k + 16] = (uint8_t)((qs[k] >> 4) | ((qh >> (k + 16)) & 1) << 4);
    }
}

static void read_q5_0(const void *row, int64_t b, sl_source_block *out) {
    const block_q5_0 *blk = (const block_q5_0 *)row + b;
    read_q5_quants(blk->qs, blk->qh, out->q);
    out->half[0] = blk->d;
}

static void read_q5_1(const void *row, int64_t b, sl_source_block *out) {
    const block_q5_1 *blk = (const block_q5_1 *)row + b;
    read_q5_quants(blk->qs, blk->qh, out->q);
    out->half[0] = blk->d;
    out->half[1] = blk->m;
}

static void read_q8_0(const void *row, int64_t b, sl_source_block *out) {
    const block_q8_0 *blk = (const block_q8_0 *)row + b;
    for (int k = 0; k < 32; k++) out->q[k] = (uint8_t)(blk->qs[k] + 128);
    out->half[0] = blk->d;
}

/// Sub-block j (0...7) of a Q4_K / Q5_K super-block: 64-element chunk j / 2 of qs holds sub-block j's
/// quants in its low nibbles when j is even, in its high nibbles when odd.
static void read_k_nibbles(const uint8_t *qs, int j, uint8_t *q) {
    const uint8_t *chunk = qs + 32 * (j / 2);
    for (int l = 0; l < 32; l++) q[l] = (j & 1) ? chunk[l] >> 4 : chunk[l] & 0xF;
}

static void read_q4_K(const void *row, int64_t b, sl_source_block *out) {
    const block_q4_K *blk = (const block_q4_K *)row + b / PACK_SUPER;
    const int j = (int)(b % PACK_SUPER);
    read_k_nibbles(blk->qs, j, out->q);
    sl_k_scale_min(j, blk->scales, &out->octet[0], &out->octet[1]);
    out->super[0] = sl_half_to_float(blk->d);
    out->super[1] = sl_half_to_float(blk->dmin);
}

static void read_q5_K(const void *row, int64_t b, sl_source_block *out) {
    const block_q5_K *blk = (const block_q5_K *)row + b / PACK_SUPER;
    const int j = (int)(b % PACK_SUPER);
    read_k_nibbles(blk->qs, j, out->q);
    // Bit j of qh[l] is the 5th bit of element l of sub-block j.
    for (int l = 0; l < 32; l++) out->q[l] |= (uint8_t)(((blk->qh[l] >> j) & 1) << 4);
    sl_k_scale_min(j, blk->scales, &out->octet[0], &out->octet[1]);
    out->super[0] = sl_half_to_float(blk->d);
    out->super[1] = sl_half_to_float(blk->dmin);
}

static void read_q6_K(const void *row, int64_t b, sl_source_block *out) {
    const block_q6_K *blk = (const block_q6_K *)row + b / PACK_SUPER;
    // Block j = 4h + s of the super-block: half h (128 elements) takes 64 bytes of ql and 32 of qh;
    // its quarter s reads the low (s < 2) or high nibbles of ql[32 (s & 1) + l] and bits 2s...2s+1 of qh[l].
    const int j = (int)(b % PACK_SUPER), h = j / 4, s = j % 4;
    const uint8_t *ql = blk->ql + 64 * h + 32 * (s & 1);
    const uint8_t *qh = blk->qh + 32 * h;
    for (int l = 0; l < 32; l++) {
        const int low = s < 2 ? ql[l] & 0xF : ql[l] >> 4;
        out->q[l] = (uint8_t)(low | ((qh[l] >> (2 * s)) & 3) << 4);
    }
    out->octet[0] = (uint8_t)blk->scales[8 * h + 2 * s];
    out->octet[1] = (uint8_t)blk->scales[8 * h + 2 * s + 1];
    out->super[0] = sl_half_to_float(blk->d);
}

/// IQ4_NL and IQ4_XS keep their nibbles as they are: the indices into sl_iq4nl_values, in Q4_0's order.
static void read_iq4_nibbles(const uint8_t *qs, uint8_t *q) {
    for (int k = 0; k < 16; k++) {
        q[k] = qs[k] & 0xF;
        q[k + 16] = qs[k] >> 4;
    }
}

static void read_iq4_nl(const void *row, int64_t b, sl_source_block *out) {
    const block_iq4_nl *blk = (const block_iq4_nl *)row + b;
    read_iq4_nibbles(blk->qs, out->q);
    out->half[0] = blk->d;
}

static void read_iq4_xs(const void *row, int64_t b, sl_source_block *out) {
    const block_iq4_xs *blk = (const block_iq4_xs *)row + b / PACK_SUPER;
    const int j = (int)(b % PACK_SUPER);
    read_iq4_nibbles(blk->qs + 16 * j, out->q);
    out->octet[0] = (uint8_t)(int8_t)sl_iq4_xs_scale(blk, j);
    out->super[0] = sl_half_to_float(blk->d);
}

/// F16 and BF16: 32 columns of 16-bit floats as they are.
static void read_float16(const void *row, int64_t b, sl_source_block *out) {
    memcpy(out->w16, (const uint16_t *)row + 32 * b, sizeof(out->w16));
}

// MARK: - The table

#if defined(__x86_64__)
#define X86(fn) fn
#else
#define X86(fn) NULL
#endif

static const sl_packed_layout layouts[] = {
    {.type = SL_TYPE_Q4_0, .act = SL_ACT_Q8_1, .bits = 4, .blocks_per_super = 1, .halves = PACK_NIBBLES, .num_halves = 1,
     .stride = PACK_NIBBLES + PACK_HALVES, .read_block = read_q4_0, .kernel_avx512 = X86(sl_gemm_group_q4_0_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q4_0_avx2)},
    {.type = SL_TYPE_Q4_1, .act = SL_ACT_Q8_1, .bits = 4, .blocks_per_super = 1, .halves = PACK_NIBBLES, .num_halves = 2,
     .stride = PACK_NIBBLES + 2 * PACK_HALVES, .read_block = read_q4_1, .kernel_avx512 = X86(sl_gemm_group_q4_1_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q4_1_avx2)},
    {.type = SL_TYPE_Q5_0, .act = SL_ACT_Q8_1, .bits = 5, .blocks_per_super = 1, .h5 = PACK_NIBBLES,
     .halves = PACK_NIBBLES + PACK_H5, .num_halves = 1, .stride = PACK_NIBBLES + PACK_H5 + PACK_HALVES,
     .read_block = read_q5_0, .kernel_avx512 = X86(sl_gemm_group_q5_0_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q5_0_avx2)},
    {.type = SL_TYPE_Q5_1, .act = SL_ACT_Q8_1, .bits = 5, .blocks_per_super = 1, .h5 = PACK_NIBBLES,
     .halves = PACK_NIBBLES + PACK_H5, .num_halves = 2, .stride = PACK_NIBBLES + PACK_H5 + 2 * PACK_HALVES,
     .read_block = read_q5_1, .kernel_avx512 = X86(sl_gemm_group_q5_1_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q5_1_avx2)},
    {.type = SL_TYPE_Q8_0, .act = SL_ACT_Q8_1, .bits = 8, .blocks_per_super = 1, .halves = PACK_BYTES, .num_halves = 1,
     .stride = PACK_BYTES + PACK_HALVES, .read_block = read_q8_0, .kernel_avx512 = X86(sl_gemm_group_q8_0_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q8_0_avx2)},
    {.type = SL_TYPE_Q4_K, .act = SL_ACT_Q8_K, .bits = 4, .blocks_per_super = PACK_SUPER, .header = 2 * PACK_FLOATS,
     .num_super = 2, .octets = PACK_NIBBLES, .num_octets = 2, .stride = PACK_NIBBLES + 2 * PACK_OCTETS,
     .read_block = read_q4_K, .kernel_avx512 = X86(sl_gemm_group_q4_K_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q4_K_avx2)},
    {.type = SL_TYPE_Q5_K, .act = SL_ACT_Q8_K, .bits = 5, .blocks_per_super = PACK_SUPER, .header = 2 * PACK_FLOATS,
     .num_super = 2, .h5 = PACK_NIBBLES, .octets = PACK_NIBBLES + PACK_H5, .num_octets = 2,
     .stride = PACK_NIBBLES + PACK_H5 + 2 * PACK_OCTETS, .read_block = read_q5_K,
     .kernel_avx512 = X86(sl_gemm_group_q5_K_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q5_K_avx2)},
    {.type = SL_TYPE_Q6_K, .act = SL_ACT_Q8_K, .bits = 6, .blocks_per_super = PACK_SUPER, .header = PACK_FLOATS,
     .num_super = 1, .h6 = PACK_NIBBLES, .octets = PACK_NIBBLES + PACK_H6, .num_octets = 2,
     .stride = PACK_NIBBLES + PACK_H6 + 2 * PACK_OCTETS, .read_block = read_q6_K,
     .kernel_avx512 = X86(sl_gemm_group_q6_K_avx512),
     .kernel_avx2 = X86(sl_gemm_group_q6_K_avx2)},
    {.type = SL_TYPE_IQ4_NL, .act = SL_ACT_Q8_1, .bits = 4, .blocks_per_super = 1, .halves = PACK_NIBBLES,
     .num_halves = 1, .stride = PACK_NIBBLES + PACK_HALVES, .read_block = read_iq4_nl,
     .kernel_avx512 = X86(sl_gemm_group_iq4_nl_avx512), .kernel_avx2 = X86(sl_gemm_group_iq4_nl_avx2)},
    {.type = SL_TYPE_IQ4_XS, .act = SL_ACT_Q8_K, .bits = 4, .blocks_per_super = PACK_SUPER, .header = PACK_FLOATS,
     .num_super = 1, .octets = PACK_NIBBLES, .num_octets = 1, .stride = PACK_NIBBLES + PACK_OCTETS,
     .read_block = read_iq4_xs, .kernel_avx512 = X86(sl_gemm_group_iq4_xs_avx512),
     .kernel_avx2 = X86(sl_gemm_group_iq4_xs_avx2)},
    {.type = SL_TYPE_F16, .act = SL_ACT_F16, .bits = 16, .blocks_per_super = 1, .stride = PACK_FLOAT16,
     .read_block = read_float16, .kernel_avx512 = X86(sl_gemm_group_f16_avx512),
     .kernel_avx2 = X86(sl_gemm_group_f16_avx2)},
    // Without AVX512-BF16 the AVX2 kernel runs: it computes the same sums with FMAs.
    {.type = SL_TYPE_BF16, .act = SL_ACT_BF16, .bits = 16, .blocks_per_super = 1, .stride = PACK_FLOAT16,
     .read_block = read_float16, .kernel_avx512 = X86(sl_gemm_group_bf16_avx512),
     .avx512_needs = SL_CPU_AVX512BF16, .kernel_avx2 = X86(sl_gemm_group_bf16_avx2)},
};

const sl_packed_layout *sl_packed_layout_of(sl_type type) {
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        if (layouts[i].type == type) return &layouts[i];
    }
    return NULL;
}
