// Paged attention: each token attends to positions 0..<context_len of its own
// sequence, reading K/V through the sequence's block table (never gathered
// into a contiguous copy).
//
// K blocks are stored transposed, [kvHead, headDim, blockSize] (as vLLM's CPU
// and GPU caches keep K in a position-minor layout), so 16 positions of one
// dimension are one 32-byte load: q.k for 16 positions is headDim FMAs with q
// broadcast, no horizontal sums. V blocks stay [blockSize, kvHead, headDim].
//
// One task is a run of consecutive tokens of one sequence (prefill) or a
// single token (decode) on one KV head, with every query head grouped on that
// KV head (GQA), so each K/V element is read once per task for all of them.
// Two passes: scores, then the weighted sum of V, with Q and the softmax
// weights rounded to f16 as llama.cpp's non-flash CPU path sees them.
//
// The cache holds f16, bf16 or Q8_0 elements (`kv_type`). Q8_0 keeps int8 values in the same layouts
// and one f16 scale per 32 head dims of each position: K's scales [block, kvHead, headDim / 32,
// blockSize] (position-minor like K), V's [slot, kvHead, headDim / 32].
#include "sl_ops.h"
#include "quants_types.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

enum { MAX_HEAD_DIM = 256, MAX_GROUP = 16, MAX_ROWS = SL_ATTENTION_MAX_ROWS };

static inline float round_to_f16(float x) { return sl_fp16_to_fp32(sl_fp32_to_fp16(x)); }

/// Rows padded to 16 floats, plus 16 more: a stride of a multiple of 4 KiB would put every row of a task
/// in the same L1 sets, and 24 rows thrash an 8-way cache.
int64_t sl_attention_scores_stride(int64_t max_context) { return ((max_context + 15) & ~(int64_t)15) + 16; }

static inline int64_t slot_of(const sl_attention_args *a, const int32_t *table, int64_t position) {
    return (int64_t)table[position / a->block_size] * a->block_size + position % a->block_size;
}

static inline float bf16_to_f32(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint16_t f32_to_bf16(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((bits >> 16) | 64); // NaN stays NaN
    return (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);                // round to nearest even
}

int sl_kv_type_supported(sl_type type, int64_t head_dim) {
    switch (type) {
    case SL_TYPE_F16: case SL_TYPE_BF16: return 1;
    case SL_TYPE_Q8_0: return head_dim % 32 == 0;
    default: return 0;
    }
}

size_t sl_kv_element_size(sl_type type) { return type == SL_TYPE_Q8_0 ? 1 : 2; }

/// Index of element d of K at `position` in the transposed block layout (in elements).
static inline int64_t key_index(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head,
                                int64_t d) {
    const int64_t block = table[position / a->block_size];
    return ((block * a->num_kv_heads + kv_head) * a->head_dim + d) * a->block_size + position % a->block_size;
}

/// Element d of K at `position`, as a float.
static inline float key_at(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head,
                           int64_t d) {
    const int64_t i = key_index(a, table, position, kv_head, d);
    switch (a->kv_type) {
    case SL_TYPE_BF16: return bf16_to_f32(((const uint16_t *)a->k_cache)[i]);
    case SL_TYPE_Q8_0: {
        const int64_t block = table[position / a->block_size];
        const int64_t s = ((block * a->num_kv_heads + kv_head) * (a->head_dim / 32) + d / 32) * a->block_size +
                          position % a->block_size;
        return (float)((const int8_t *)a->k_cache)[i] * sl_fp16_to_fp32(a->k_scales[s]);
    }
    default: return sl_fp16_to_fp32(((const uint16_t *)a->k_cache)[i]);
    }
}

/// Index of the first element of V at `position` (in elements; its scales at the same index / 32).
static inline int64_t value_index(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head) {
    return (slot_of(a, table, position) * a->num_kv_heads + kv_head) * a->head_dim;
}

/// V at `position` as floats.
static void value_floats(const sl_attention_args *a, const int32_t *table, int64_t position, int64_t kv_head, float *out) {
    const int64_t i = value_index(a, table, position, kv_head);
    for (int64_t d = 0; d < a->head_dim; d++) {
        switch (a->kv_type) {
        case SL_TYPE_BF16: out[d] = bf16_to_f32(((const uint16_t *)a->v_cache)[i + d]); break;
        case SL_TYPE_Q8_0:
            out[d] = (float)((const int8_t *)a->v_cache)[i + d] * sl_fp16_to_fp32(a->v_scales[(i + d) / 32]);
            break;
        default: out[d] = sl_fp16_to_fp32(((const uint16_t *)a->v_cache)[i + d]); break;
        }
    }
}

/// Q8_0 of 32 values as llama.cpp quantizes a block: d = max|x| / 127, q = round(x / d), d kept in f16.
static uint16_t quantize_32(const float *x, int64_t x_stride, int8_t *q, int64_t q_stride) {
    float amax = 0;
    for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i * x_stride]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 32; i++) q[i * q_stride] = (int8_t)roundf(x[i * x_stride] * id);
    return sl_fp32_to_fp16(d);
}

void sl_kv_cache_write_typed(sl_type type, const float *k, const float *v, void *k_cache, void *v_cache,
                             uint16_t *k_scales, uint16_t *v_scales, const int64_t *slot_mapping, int64_t num_tokens,
                             int64_t num_kv_heads, int64_t head_dim, int64_t block_size) {
    const int64_t kv_dim = num_kv_heads * head_dim;
    for (int64_t t = 0; t < num_tokens; t++) {
        const int64_t slot = slot_mapping[t];
        if (slot < 0) continue;
        const int64_t block = slot / block_size, offset = slot % block_size;
        const float *kt = k + t * kv_dim, *vt = v + t * kv_dim;
        switch (type) {
        case SL_TYPE_Q8_0: {
            int8_t *kb = (int8_t *)k_cache + block * block_size * kv_dim + offset;
            uint16_t *ks = k_scales + block * block_size * (kv_dim / 32) + offset;
            for (int64_t c = 0; c < kv_dim / 32; c++) {
                // K's 32 dims of this position lie block_size apart (transposed); V's are contiguous.
                ks[c * block_size] = quantize_32(kt + 32 * c, 1, kb + 32 * c * block_size, block_size);
                v_scales[slot * (kv_dim / 32) + c] = quantize_32(vt + 32 * c, 1, (int8_t *)v_cache + slot * kv_dim + 32 * c, 1);
            }
            break;
        }
        case SL_TYPE_BF16: {
            uint16_t *kb = (uint16_t *)k_cache + block * block_size * kv_dim + offset;
            for (int64_t i = 0; i < kv_dim; i++) {
                kb[i * block_size] = f32_to_bf16(kt[i]);
                ((uint16_t *)v_cache)[slot * kv_dim + i] = f32_to_bf16(vt[i]);
            }
            break;
        }
        default: {
            uint16_t *kb = (uint16_t *)k_cache + block * block_size * kv_dim + offset;
            for (int64_t i = 0; i < kv_dim; i++) {
                kb[i * block_size] = sl_fp32_to_fp16(kt[i]);
                ((uint16_t *)v_cache)[slot * kv_dim + i] = sl_fp32_to_fp16(vt[i]);
            }
            break;
        }
        }
    }
}

void sl_kv_cache_write(const float *k, const float *v, uint16_t *k_cache, uint16_t *v_cache,
                       const int64_t *slot_mapping, int64_t num_tokens, int64_t num_kv_heads, int64_t head_dim,
                       int64_t block_size) {
    sl_kv_cache_write_typed(SL_TYPE_F16, k, v, k_cache, v_cache, NULL, NULL, slot_mapping, num_tokens, num_kv_heads,
                            head_dim, block_size);
}

// MARK: - Reference (and AVX2) kernel: one token and one KV head per task

/// The vector primitives of the per-token kernel, per level.
typedef struct {
    void (*f16_to_f32)(const uint16_t *x, float *y, int64_t n);
    float (*dot)(const float *x, const float *y, int64_t n);
    void (*axpy)(float a, const float *x, float *y, int64_t n); // y += a * x
} attention_vectors;

static void f16_to_f32_ref(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sl_fp16_to_fp32(x[i]);
}
static float dot_ref(const float *x, const float *y, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
    return sum;
}
static void axpy_ref(float a, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SL_AVX2_ATTN __attribute__((target("avx2,fma,f16c")))
SL_AVX2_ATTN static void f16_to_f32_avx2(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) y[i] = sl_fp16_to_fp32(x[i]);
}
SL_AVX2_ATTN static float dot_avx2(const float *x, const float *y, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s);
    for (; i < n; i++) sum += x[i] * y[i];
    return sum;
}
SL_AVX2_ATTN static void axpy_avx2(float a, const float *x, float *y, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}
#endif

static attention_vectors vectors_for(sl_level level) {
#if defined(__x86_64__)
    const int needed = SL_CPU_AVX2 | SL_CPU_FMA | SL_CPU_F16C;
    if (level >= SL_LEVEL_AVX2 && (sl_cpu_features() & needed) == needed) {
        return (attention_vectors){f16_to_f32_avx2, dot_avx2, axpy_avx2};
    }
#endif
    return (attention_vectors){f16_to_f32_ref, dot_ref, axpy_ref};
}

/// The first position a token with `len` positions of context sees: 0, or the start of its window.
static inline int64_t first_visible(const sl_attention_args *a, int64_t len) {
    return a->window > 0 && len > a->window ? len - a->window : 0;
}

/// Gemma 2's attention soft-capping of a scaled score; the identity when `softcap` is 0 (a masked -inf
/// stays -inf).
static inline float soft_cap(const sl_attention_args *a, float score) {
    return a->softcap > 0 && score != -INFINITY ? a->softcap * tanhf(score / a->softcap) : score;
}

static void attention_token(const sl_attention_args *a, const attention_vectors *v, int64_t t, int64_t g,
                            float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t] * a->max_blocks_per_seq;
    const int64_t len = a->context_lens[t];
    const int64_t start = first_visible(a, len);
    uint16_t raw[MAX_HEAD_DIM];
    float row[MAX_HEAD_DIM];
    float q[MAX_GROUP][MAX_HEAD_DIM];
    float acc[MAX_GROUP][MAX_HEAD_DIM];
    for (int64_t h = 0; h < group; h++) {
        const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
        for (int64_t d = 0; d < hd; d++) q[h][d] = round_to_f16(qh[d]);
        memset(acc[h], 0, sizeof(float) * (size_t)hd);
    }
    // Pass 1: scaled scores q.k for every position.
    for (int64_t j = start; j < len; j++) {
        if (a->kv_type == SL_TYPE_F16) {
            for (int64_t d = 0; d < hd; d++) raw[d] = ((const uint16_t *)a->k_cache)[key_index(a, table, j, g, d)];
            v->f16_to_f32(raw, row, hd);
        } else {
            for (int64_t d = 0; d < hd; d++) row[d] = key_at(a, table, j, g, d);
        }
        for (int64_t h = 0; h < group; h++) scores[h * stride + j] = soft_cap(a, v->dot(q[h], row, hd) * a->scale);
    }
    // Softmax per head; the weights are rounded to f16 like llama.cpp's KQV product sees them.
    for (int64_t h = 0; h < group; h++) {
        float *s = scores + h * stride;
        float max = -INFINITY;
        for (int64_t j = start; j < len; j++) max = s[j] > max ? s[j] : max;
        double sum = 0.0;
        for (int64_t j = start; j < len; j++) {
            s[j] = expf(s[j] - max);
            sum += s[j];
        }
        const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
        for (int64_t j = start; j < len; j++) s[j] = round_to_f16(s[j] * inv);
    }
    // Pass 2: weighted sum of V.
    for (int64_t j = start; j < len; j++) {
        if (a->kv_type == SL_TYPE_F16) {
            v->f16_to_f32((const uint16_t *)a->v_cache + value_index(a, table, j, g), row, hd);
        } else {
            value_floats(a, table, j, g, row);
        }
        for (int64_t h = 0; h < group; h++) v->axpy(scores[h * stride + j], row, acc[h], hd);
    }
    for (int64_t h = 0; h < group; h++) {
        memcpy(a->out + (t * a->num_heads + g * group + h) * hd, acc[h], sizeof(float) * (size_t)hd);
    }
}

// MARK: - AVX-512 kernel: a run of tokens of one sequence per task

#if defined(__x86_64__)
#include "simd_math_avx512.h"
#define SL_AVX512_ATTN __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE SL_AVX512_ATTN __m512 round_f16_512(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/// The cache element kinds the AVX-512 kernel is compiled for.
enum { KV_F16, KV_BF16, KV_Q8 };

/// 16 consecutive cache elements (f16, bf16 or int8) as floats.
ALWAYS_INLINE SL_AVX512_ATTN __m512 load16(const int KV, const void *p) {
    switch (KV) {
    case KV_BF16: return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
    case KV_Q8: return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)));
    default: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
    }
}

/// Scores of `NR` rows (q rows r0...) for the 16 positions pos0... whose transposed K starts at `kt`
/// (Q8_0: K's scales for the same positions at `ks`, a row of `block_size` per 32 dims).
ALWAYS_INLINE SL_AVX512_ATTN void score_rows(const int KV, const int NR, const float *q, int64_t q_stride, const void *kt,
                                             const uint16_t *ks, int64_t block_size, int64_t hd, float scale, int64_t pos0,
                                             const int32_t *row_len, const int32_t *row_start, float *scores,
                                             int64_t stride) {
    // Each accumulator is a chain of dependent FMAs; the dimensions are split over two accumulators per
    // row so decode (3 rows) still has 6 chains in flight. The split must not depend on NR: a row's sum
    // order would then depend on what else is in the batch, and batching must not change results.
    enum { MAX_SPLIT = 2, S = 2 };
    const size_t element = KV == KV_Q8 ? 1 : 2;
    __m512 acc[MAX_SPLIT][8];
    for (int k = 0; k < S; k++)
        for (int r = 0; r < NR; r++) acc[k][r] = _mm512_setzero_ps();
    if (KV == KV_Q8) {
        // Each 32 dims sum in int8 units, then are scaled by their positions' scales.
        __m512 total[8];
        for (int r = 0; r < NR; r++) total[r] = _mm512_setzero_ps();
        for (int64_t d0 = 0; d0 < hd; d0 += 32) {
            for (int64_t d = d0; d < d0 + 32; d += S) {
                for (int k = 0; k < S; k++) {
                    const __m512 kv = load16(KV, (const char *)kt + (size_t)((d + k) * block_size) * element);
                    for (int r = 0; r < NR; r++) acc[k][r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r * q_stride + d + k]), kv, acc[k][r]);
                }
            }
            const __m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(ks + (d0 / 32) * block_size)));
            for (int r = 0; r < NR; r++) {
                total[r] = _mm512_fmadd_ps(_mm512_add_ps(acc[0][r], acc[1][r]), sc, total[r]);
                acc[0][r] = acc[1][r] = _mm512_setzero_ps();
            }
        }
        for (int r = 0; r < NR; r++) acc[0][r] = total[r];
    } else {
        for (int64_t d = 0; d < hd; d += S) {
            for (int k = 0; k < S; k++) {
                const __m512 kv = load16(KV, (const char *)kt + (size_t)((d + k) * block_size) * element);
                for (int r = 0; r < NR; r++) acc[k][r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r * q_stride + d + k]), kv, acc[k][r]);
            }
        }
        for (int k = 1; k < S; k++)
            for (int r = 0; r < NR; r++) acc[0][r] = _mm512_add_ps(acc[0][r], acc[k][r]);
    }
    const __m512i lanes = _mm512_add_epi32(_mm512_set1_epi32((int)pos0),
                                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    for (int r = 0; r < NR; r++) {
        // Positions at or past the row's context are masked out (causal attention within the run), and
        // those before its window.
        const __mmask16 visible = _mm512_cmplt_epi32_mask(lanes, _mm512_set1_epi32(row_len[r])) &
                                  _mm512_cmpge_epi32_mask(lanes, _mm512_set1_epi32(row_start[r]));
        const __m512 s = _mm512_mask_blend_ps(visible, _mm512_set1_ps(-INFINITY), _mm512_mul_ps(acc[0][r], _mm512_set1_ps(scale)));
        _mm512_storeu_ps(scores + r * stride + pos0, s);
    }
}

/// out rows = Σ_j p[r][j] V[j] for `NR` rows (up to 6) over the 64 head dims from 16 * c0, positions
/// 0..<len. Six rows by a quarter of 128 dims fit the registers, so a 128-dim head's GQA group of 6
/// reads each V row once per half instead of once per pair of rows; each output element is still one
/// chain of FMAs in position order, whatever the rows around it (batching changes nothing).
ALWAYS_INLINE SL_AVX512_ATTN void weigh_values(const int KV, const int NR, int64_t c0, const sl_attention_args *a,
                                               const int32_t *table, int64_t g, int64_t begin, int64_t len,
                                               const float *p, int64_t stride, float *const *out) {
    enum { D16 = 4, AHEAD = 16 };
    __m512 acc[6][D16];
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) acc[r][c] = _mm512_setzero_ps();
    const size_t element = KV == KV_Q8 ? 1 : 2;
    // Slots of position j and of j + AHEAD, walked through the block table without a division per
    // position (an integer divide cost more than the position's 24 FMAs).
    const int64_t bs = a->block_size, last_block = (len - 1) / bs;
    int64_t blk = begin / bs, off = begin % bs;
    int64_t ahead_blk = (begin + AHEAD) / bs, ahead_off = (begin + AHEAD) % bs;
    for (int64_t j = begin; j < len; j++) {
        const int64_t index = ((table[blk] * bs + off) * a->num_kv_heads + g) * a->head_dim + 16 * c0;
        const char *vr = (const char *)a->v_cache + (size_t)index * element;
        if (j + AHEAD < len) {
            // The rows are strided by the other KV heads: ask for them ahead of the loads.
            const int64_t next_index = ((table[ahead_blk] * bs + ahead_off) * a->num_kv_heads + g) * a->head_dim + 16 * c0;
            const char *next = (const char *)a->v_cache + (size_t)next_index * element;
            _mm_prefetch(next, _MM_HINT_T0);
            if (KV != KV_Q8) _mm_prefetch(next + 64, _MM_HINT_T0);
            if (++ahead_off == bs) ahead_off = 0, ahead_blk++;
        }
        if (++off == bs && blk < last_block) off = 0, blk++;
        __m512 v[D16];
        for (int c = 0; c < D16; c++) v[c] = load16(KV, vr + 16 * c * element);
        if (KV == KV_Q8) {
            // The 64 dims are two Q8_0 blocks: each position's weight takes each block's scale.
            const float s0 = sl_fp16_to_fp32(a->v_scales[index / 32]), s1 = sl_fp16_to_fp32(a->v_scales[index / 32 + 1]);
            for (int r = 0; r < NR; r++) {
                const float pw = p[r * stride + j];
                const __m512 w0 = _mm512_set1_ps(pw * s0), w1 = _mm512_set1_ps(pw * s1);
                acc[r][0] = _mm512_fmadd_ps(w0, v[0], acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(w0, v[1], acc[r][1]);
                acc[r][2] = _mm512_fmadd_ps(w1, v[2], acc[r][2]);
                acc[r][3] = _mm512_fmadd_ps(w1, v[3], acc[r][3]);
            }
        } else {
            for (int r = 0; r < NR; r++) {
                const __m512 w = _mm512_set1_ps(p[r * stride + j]);
                for (int c = 0; c < D16; c++) acc[r][c] = _mm512_fmadd_ps(w, v[c], acc[r][c]);
            }
        }
    }
    for (int r = 0; r < NR; r++)
        for (int c = 0; c < D16; c++) _mm512_storeu_ps(out[r] + 16 * (c0 + c), acc[r][c]);
}

#define ROW_CASES(N, CALL)                                                                                       \
    switch (N) {                                                                                                 \
    case 1: CALL(1); break;                                                                                      \
    case 2: CALL(2); break;                                                                                      \
    case 3: CALL(3); break;                                                                                      \
    case 4: CALL(4); break;                                                                                      \
    case 5: CALL(5); break;                                                                                      \
    case 6: CALL(6); break;                                                                                      \
    case 7: CALL(7); break;                                                                                      \
    default: CALL(8); break;                                                                                     \
    }

/// Tokens t0..<t0+nt (one sequence) on KV head g. Needs head_dim a multiple of 64 (at most 256) and block_size a multiple of 16.
ALWAYS_INLINE SL_AVX512_ATTN void attention_run(const int KV, const sl_attention_args *a, int64_t t0, int64_t nt,
                                                int64_t g, float *scores, int64_t stride) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t hd = a->head_dim;
    const int64_t rows = nt * group;
    const int32_t *table = a->block_tables + (int64_t)a->token_seq[t0] * a->max_blocks_per_seq;
    float q[MAX_ROWS * MAX_HEAD_DIM] __attribute__((aligned(64)));
    int32_t row_len[MAX_ROWS], row_start[MAX_ROWS];
    float *out[MAX_ROWS];
    int64_t len = 0, begin = INT64_MAX;
    for (int64_t i = 0; i < nt; i++) {
        const int64_t t = t0 + i;
        len = a->context_lens[t] > len ? a->context_lens[t] : len;
        const int64_t start = first_visible(a, a->context_lens[t]);
        begin = start < begin ? start : begin;
        for (int64_t h = 0; h < group; h++) {
            const int64_t r = i * group + h;
            const float *qh = a->q + (t * a->num_heads + g * group + h) * hd;
            for (int64_t d = 0; d < hd; d += 16) _mm512_storeu_ps(q + r * hd + d, round_f16_512(_mm512_loadu_ps(qh + d)));
            row_len[r] = a->context_lens[t];
            row_start[r] = (int32_t)start;
            out[r] = a->out + (t * a->num_heads + g * group + h) * hd;
        }
    }
    // Every row's visible positions lie in begin..<len; the passes start at its 16-aligned floor.
    begin &= ~(int64_t)15;
    // Pass 1: scores, 16 positions at a time, up to 8 rows per pass over K.
    for (int64_t pos0 = begin; pos0 < len; pos0 += 16) {
        const int64_t block = table[pos0 / a->block_size];
        const size_t element = KV == KV_Q8 ? 1 : 2;
        const void *kt = (const char *)a->k_cache +
                         (size_t)((block * a->num_kv_heads + g) * hd * a->block_size + pos0 % a->block_size) * element;
        const uint16_t *ks = KV == KV_Q8 ? a->k_scales + (block * a->num_kv_heads + g) * (hd / 32) * a->block_size +
                                               pos0 % a->block_size
                                         : NULL;
        for (int64_t r0 = 0; r0 < rows; r0 += 8) {
#define SCORE(N) score_rows(KV, N, q + r0 * hd, hd, kt, ks, a->block_size, hd, a->scale, pos0, row_len + r0, row_start + r0, \
                            scores + r0 * stride, stride)
            ROW_CASES(rows - r0, SCORE)
#undef SCORE
        }
        if (a->softcap > 0) {
            // Gemma 2's soft-capping, in the reference's scalar form (masked -inf stays -inf).
            for (int64_t r = 0; r < rows; r++)
                for (int64_t j = pos0; j < pos0 + 16; j++) scores[r * stride + j] = soft_cap(a, scores[r * stride + j]);
        }
    }
    // Softmax per row over the whole (16-padded) run; masked positions are -inf and weigh 0.
    const int64_t padded = (len + 15) & ~(int64_t)15;
    for (int64_t r = 0; r < rows; r++) {
        float *s = scores + r * stride;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int64_t j = begin; j < padded; j += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(s + j));
        const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
        __m512 vsum = _mm512_setzero_ps();
        for (int64_t j = begin; j < padded; j += 16) {
            const __m512 x = _mm512_loadu_ps(s + j);
            const __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-INFINITY), _CMP_NEQ_OQ);
            const __m512 e = _mm512_maskz_mov_ps(live, sl_exp512(_mm512_sub_ps(x, max)));
            _mm512_storeu_ps(s + j, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        const float sum = _mm512_reduce_add_ps(vsum);
        const __m512 inv = _mm512_set1_ps(sum > 0 ? 1.0f / sum : 0.0f);
        for (int64_t j = begin; j < padded; j += 16) _mm512_storeu_ps(s + j, round_f16_512(_mm512_mul_ps(_mm512_loadu_ps(s + j), inv)));
    }
    // Pass 2: weighted sums of V, 6 rows per pass over each 64 dims of V.
    for (int64_t c0 = 0; c0 < hd / 16; c0 += 4) {
        for (int64_t r0 = 0; r0 < rows; r0 += 6) {
            const int64_t nr = rows - r0 < 6 ? rows - r0 : 6;
            int64_t run_len = 0;
            for (int64_t r = r0; r < r0 + nr; r++) run_len = row_len[r] > run_len ? row_len[r] : run_len;
            const float *p = scores + r0 * stride;
            switch (nr) {
            case 1: weigh_values(KV, 1, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 2: weigh_values(KV, 2, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 3: weigh_values(KV, 3, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 4: weigh_values(KV, 4, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            case 5: weigh_values(KV, 5, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            default: weigh_values(KV, 6, c0, a, table, g, begin, run_len, p, stride, out + r0); break;
            }
        }
    }
}

static SL_AVX512_ATTN void attention_run_avx512(const sl_attention_args *a, int64_t t0, int64_t nt, int64_t g,
                                               float *scores, int64_t stride) {
    switch (a->kv_type) {
    case SL_TYPE_BF16: attention_run(KV_BF16, a, t0, nt, g, scores, stride); break;
    case SL_TYPE_Q8_0: attention_run(KV_Q8, a, t0, nt, g, scores, stride); break;
    default: attention_run(KV_F16, a, t0, nt, g, scores, stride); break;
    }
}
#endif

// MARK: - Task split

/// Tokens per task: a run of one sequence, as long as its rows fit MAX_ROWS.
static int64_t run_tokens(const sl_attention_args *a) {
    const int64_t group = a->num_heads / a->num_kv_heads;
    const int64_t n = MAX_ROWS / group;
    return n < 8 ? (n < 1 ? 1 : n) : 8;
}

static int fast_path(const sl_attention_args *a) {
#if defined(__x86_64__)
    const int needed = sl_level_features(SL_LEVEL_AVX512) | SL_CPU_AVX512F;
    return a->level >= SL_LEVEL_AVX512 && (sl_enabled_features() & needed) == needed &&
           a->head_dim % 64 == 0 && a->head_dim <= MAX_HEAD_DIM && a->block_size % 16 == 0;
#else
    (void)a;
    return 0;
#endif
}

typedef struct {
    const sl_attention_args *args;
    _Atomic int64_t next;
} attention_ctx;

static void attention_task(void *arg, int ith, int nth) {
    attention_ctx *ctx = arg;
    const sl_attention_args *a = ctx->args;
    const int64_t stride = sl_attention_scores_stride(a->max_context);
    float *scores = a->scratch + (int64_t)ith * MAX_ROWS * stride;
    const int64_t chunk = run_tokens(a);
    const int64_t chunks = (a->num_tokens + chunk - 1) / chunk;
    const int fast = fast_path(a);
    const attention_vectors v = vectors_for(a->level);
    (void)nth;
    // Tasks are taken from a shared counter, so a preempted thread delays only the task it holds.
    for (;;) {
        const int64_t task = atomic_fetch_add_explicit(&ctx->next, 1, memory_order_relaxed);
        if (task >= chunks * a->num_kv_heads) break;
        const int64_t c = task / a->num_kv_heads, g = task % a->num_kv_heads;
        const int64_t end = (c + 1) * chunk < a->num_tokens ? (c + 1) * chunk : a->num_tokens;
        for (int64_t t0 = c * chunk; t0 < end;) {
            int64_t t1 = t0 + 1;
            while (t1 < end && a->token_seq[t1] == a->token_seq[t0]) t1++;
#if defined(__x86_64__)
            if (fast) {
                attention_run_avx512(a, t0, t1 - t0, g, scores, stride);
                t0 = t1;
                continue;
            }
#endif
            for (int64_t t = t0; t < t1; t++) attention_token(a, &v, t, g, scores, stride);
            t0 = t1;
        }
    }
    (void)fast;
}

void sl_paged_attention(sl_threadpool *pool, const sl_attention_args *args) {
    attention_ctx ctx = {.args = args};
    atomic_init(&ctx.next, 0);
    sl_threadpool_run(pool, attention_task, &ctx);
}
