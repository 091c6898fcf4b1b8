// CPU feature detection by CPUID (and XGETBV: the OS must save the wide registers).
#include "quants_types.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int detect_features(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    const uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0; // XMM and YMM state
    int f = 0;
    if ((c >> 12) & 1) f |= SL_CPU_FMA;
    if ((c >> 29) & 1) f |= SL_CPU_F16C;
    if (__get_cpuid_max(0, 0) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) f |= SL_CPU_AVX2;
    const int zmm = (xcr0 & 0xE6) == 0xE6; // opmask and ZMM state too
    if (zmm && ((b >> 16) & 1)) f |= SL_CPU_AVX512F;
    if (zmm && ((b >> 30) & 1)) f |= SL_CPU_AVX512BW;
    if (zmm && ((c >> 11) & 1)) f |= SL_CPU_AVX512VNNI;
    if (zmm && ((b >> 31) & 1)) f |= SL_CPU_AVX512VL;
    if (zmm && ((d >> 23) & 1)) f |= SL_CPU_AVX512FP16;
    __cpuid_count(7, 1, a, b, c, d);
    if ((a >> 4) & 1) f |= SL_CPU_AVXVNNI;
    if (zmm && ((a >> 5) & 1)) f |= SL_CPU_AVX512BF16;
    return f;
}
#else
static int detect_features(void) { return 0; }
#endif

int sl_cpu_features(void) {
    static int cached = -1;
    int f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f < 0) {
        f = detect_features();
        __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    }
    return f;
}
