// The traits table: the one place each type is declared (as ggml-cpu's
// type_traits), with the kernel versions of each SIMD level, and the run-time
// choice among them.
#include <pthread.h>
#include "quants_types.h"

#if defined(__x86_64__)
#define X86(fn) fn
#else
#define X86(fn) NULL
#endif

enum { LEVEL_COUNT = 3, TYPE_SLOTS = SL_TYPE_BF16 + 1 };

typedef struct {
    sl_type_traits traits; // vec_dot and from_float start as the reference and are replaced by sl_kernels_init
    sl_vec_dot_fn vec_dot_at[LEVEL_COUNT];       // by sl_level; [SL_LEVEL_SCALAR] is the reference
    sl_from_float_fn from_float_at[LEVEL_COUNT]; // by sl_level
} type_entry;

#define DOT_LEVELS(ref, avx2, avx512) {ref, X86(avx2), X86(avx512)}

static type_entry table[TYPE_SLOTS] = {
    [SL_TYPE_F32] = {
        .traits = {"f32", 1, sizeof(float), SL_TYPE_F32, sl_to_float_f32, sl_from_float_f32, sl_vec_dot_f32_ref, sl_vec_dot_f32_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_f32_ref, sl_vec_dot_f32_avx2, NULL),
        .from_float_at = {sl_from_float_f32},
    },
    [SL_TYPE_F16] = {
        .traits = {"f16", 1, sizeof(uint16_t), SL_TYPE_F16, sl_to_float_f16, sl_from_float_f16, sl_vec_dot_f16_ref, sl_vec_dot_f16_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_f16_ref, sl_vec_dot_f16_avx2, NULL),
        .from_float_at = {sl_from_float_f16},
    },
    [SL_TYPE_BF16] = {
        .traits = {"bf16", 1, sizeof(uint16_t), SL_TYPE_BF16, sl_to_float_bf16, sl_from_float_bf16, sl_vec_dot_bf16_ref, sl_vec_dot_bf16_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_bf16_ref, sl_vec_dot_bf16_avx2, NULL),
        .from_float_at = {sl_from_float_bf16},
    },
    [SL_TYPE_Q4_0] = {
        .traits = {"q4_0", QK4_0, sizeof(block_q4_0), SL_TYPE_Q8_0, sl_to_float_q4_0, sl_from_float_q4_0_ref, sl_vec_dot_q4_0_q8_0_ref, sl_vec_dot_q4_0_q8_0_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q4_0_q8_0_ref, sl_vec_dot_q4_0_q8_0_avx2, sl_vec_dot_q4_0_q8_0_avx512),
        .from_float_at = {sl_from_float_q4_0_ref},
    },
    [SL_TYPE_Q4_1] = {
        .traits = {"q4_1", QK4_1, sizeof(block_q4_1), SL_TYPE_Q8_1, sl_to_float_q4_1, sl_from_float_q4_1_ref, sl_vec_dot_q4_1_q8_1_ref, sl_vec_dot_q4_1_q8_1_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q4_1_q8_1_ref, sl_vec_dot_q4_1_q8_1_avx2, sl_vec_dot_q4_1_q8_1_avx512),
        .from_float_at = {sl_from_float_q4_1_ref},
    },
    [SL_TYPE_Q5_0] = {
        .traits = {"q5_0", QK5_0, sizeof(block_q5_0), SL_TYPE_Q8_0, sl_to_float_q5_0, sl_from_float_q5_0_ref, sl_vec_dot_q5_0_q8_0_ref, sl_vec_dot_q5_0_q8_0_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q5_0_q8_0_ref, sl_vec_dot_q5_0_q8_0_avx2, sl_vec_dot_q5_0_q8_0_avx512),
        .from_float_at = {sl_from_float_q5_0_ref},
    },
    [SL_TYPE_Q5_1] = {
        .traits = {"q5_1", QK5_1, sizeof(block_q5_1), SL_TYPE_Q8_1, sl_to_float_q5_1, sl_from_float_q5_1_ref, sl_vec_dot_q5_1_q8_1_ref, sl_vec_dot_q5_1_q8_1_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q5_1_q8_1_ref, sl_vec_dot_q5_1_q8_1_avx2, sl_vec_dot_q5_1_q8_1_avx512),
        .from_float_at = {sl_from_float_q5_1_ref},
    },
    [SL_TYPE_Q8_0] = {
        .traits = {"q8_0", QK8_0, sizeof(block_q8_0), SL_TYPE_Q8_0, sl_to_float_q8_0, sl_from_float_q8_0_ref, sl_vec_dot_q8_0_q8_0_ref, sl_vec_dot_q8_0_q8_0_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q8_0_q8_0_ref, sl_vec_dot_q8_0_q8_0_avx2, sl_vec_dot_q8_0_q8_0_avx512),
        .from_float_at = {sl_from_float_q8_0_ref, X86(sl_from_float_q8_0_avx2)},
    },
    [SL_TYPE_Q8_1] = {
        .traits = {"q8_1", QK8_1, sizeof(block_q8_1), SL_TYPE_Q8_1, sl_to_float_q8_1, sl_from_float_q8_1_ref, NULL, NULL},
        .from_float_at = {sl_from_float_q8_1_ref, X86(sl_from_float_q8_1_avx2)},
    },
    [SL_TYPE_Q4_K] = {
        .traits = {"q4_K", QK_K, sizeof(block_q4_K), SL_TYPE_Q8_K, sl_to_float_q4_K, NULL, sl_vec_dot_q4_K_q8_K_ref, sl_vec_dot_q4_K_q8_K_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q4_K_q8_K_ref, sl_vec_dot_q4_K_q8_K_avx2, NULL),
    },
    [SL_TYPE_Q5_K] = {
        .traits = {"q5_K", QK_K, sizeof(block_q5_K), SL_TYPE_Q8_K, sl_to_float_q5_K, NULL, sl_vec_dot_q5_K_q8_K_ref, sl_vec_dot_q5_K_q8_K_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q5_K_q8_K_ref, sl_vec_dot_q5_K_q8_K_avx2, NULL),
    },
    [SL_TYPE_Q6_K] = {
        .traits = {"q6_K", QK_K, sizeof(block_q6_K), SL_TYPE_Q8_K, sl_to_float_q6_K, NULL, sl_vec_dot_q6_K_q8_K_ref, sl_vec_dot_q6_K_q8_K_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_q6_K_q8_K_ref, sl_vec_dot_q6_K_q8_K_avx2, NULL),
    },
    [SL_TYPE_IQ4_NL] = {
        .traits = {"iq4_nl", QK4_NL, sizeof(block_iq4_nl), SL_TYPE_Q8_0, sl_to_float_iq4_nl, NULL, sl_vec_dot_iq4_nl_q8_0_ref, sl_vec_dot_iq4_nl_q8_0_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_iq4_nl_q8_0_ref, sl_vec_dot_iq4_nl_q8_0_avx2, NULL),
    },
    [SL_TYPE_IQ4_XS] = {
        .traits = {"iq4_xs", QK_K, sizeof(block_iq4_xs), SL_TYPE_Q8_K, sl_to_float_iq4_xs, NULL, sl_vec_dot_iq4_xs_q8_K_ref, sl_vec_dot_iq4_xs_q8_K_ref},
        .vec_dot_at = DOT_LEVELS(sl_vec_dot_iq4_xs_q8_K_ref, sl_vec_dot_iq4_xs_q8_K_avx2, NULL),
    },
    [SL_TYPE_Q8_K] = {
        .traits = {"q8_K", QK_K, sizeof(block_q8_K), SL_TYPE_Q8_K, sl_to_float_q8_K, sl_from_float_q8_K_ref, NULL, NULL},
        .from_float_at = {sl_from_float_q8_K_ref, X86(sl_from_float_q8_K_avx2)},
    },
};

static const type_entry *entry_of(sl_type t) {
    if ((int)t < 0 || (int)t >= TYPE_SLOTS || table[t].traits.name == NULL) return NULL;
    return &table[t];
}

int sl_level_features(sl_level level) {
    const int avx2 = SL_CPU_AVX2 | SL_CPU_FMA | SL_CPU_F16C;
    switch (level) {
    case SL_LEVEL_SCALAR: return 0;
    case SL_LEVEL_AVX2: return avx2;
    case SL_LEVEL_AVX512: return avx2 | SL_CPU_AVX512F | SL_CPU_AVX512BW | SL_CPU_AVX512VL | SL_CPU_AVX512VNNI;
    }
    return -1;
}

static int level_runs_with(int level, int features) {
    return (sl_level_features((sl_level)level) & ~features) == 0;
}

sl_vec_dot_fn sl_get_vec_dot_impl(sl_type t, sl_level level) {
    const type_entry *e = entry_of(t);
    if (!e || (int)level < 0 || (int)level >= LEVEL_COUNT || !level_runs_with(level, sl_cpu_features())) return NULL;
    return e->vec_dot_at[level];
}

sl_from_float_fn sl_get_from_float_impl(sl_type t, sl_level level) {
    const type_entry *e = entry_of(t);
    if (!e || (int)level < 0 || (int)level >= LEVEL_COUNT || !level_runs_with(level, sl_cpu_features())) return NULL;
    return e->from_float_at[level];
}

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized; // read with __atomic_load_n
static int enabled = -1; // the CPU's features limited by sl_kernels_init's mask; read with __atomic_load_n

// Readers use the pointers without a lock: each is one aligned word, stored atomically,
// and every candidate computes the same result up to float rounding order.
static void select_kernels_locked(int mask) {
    const int features = sl_cpu_features() & mask;
    __atomic_store_n(&enabled, features, __ATOMIC_RELEASE);
    for (int t = 0; t < TYPE_SLOTS; t++) {
        type_entry *e = &table[t];
        if (e->traits.name == NULL) continue;
        for (int level = LEVEL_COUNT - 1; level >= 0; level--) {
            if (e->vec_dot_at[level] && level_runs_with(level, features)) {
                __atomic_store_n(&e->traits.vec_dot, e->vec_dot_at[level], __ATOMIC_RELEASE);
                break;
            }
        }
        for (int level = LEVEL_COUNT - 1; level >= 0; level--) {
            if (e->from_float_at[level] && level_runs_with(level, features)) {
                __atomic_store_n(&e->traits.from_float, e->from_float_at[level], __ATOMIC_RELEASE);
                break;
            }
        }
    }
    __atomic_store_n(&initialized, 1, __ATOMIC_RELEASE);
}

void sl_kernels_init(int mask) {
    pthread_mutex_lock(&init_lock);
    select_kernels_locked(mask);
    pthread_mutex_unlock(&init_lock);
}

const sl_type_traits *sl_get_type_traits(sl_type t) {
    if (!__atomic_load_n(&initialized, __ATOMIC_ACQUIRE)) {
        // First use without an explicit sl_kernels_init: choose for the whole CPU.
        pthread_mutex_lock(&init_lock);
        if (!__atomic_load_n(&initialized, __ATOMIC_ACQUIRE)) select_kernels_locked(-1);
        pthread_mutex_unlock(&init_lock);
    }
    const type_entry *e = entry_of(t);
    return e ? &e->traits : NULL;
}

int sl_enabled_features(void) {
    (void)sl_get_type_traits(SL_TYPE_F32); // makes the first choice if nobody has
    return __atomic_load_n(&enabled, __ATOMIC_ACQUIRE);
}

size_t sl_row_size(sl_type t, int64_t n) {
    const type_entry *e = entry_of(t);
    if (!e) return 0;
    return e->traits.type_size * (size_t)(n / e->traits.block_size);
}
