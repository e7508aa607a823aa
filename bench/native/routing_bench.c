/*
 * routing_bench: the C reference for HvCall's routing decision benchmarks.
 *
 * Times, per decision, over the same three 4096-operation mixes the C# suite uses (same SplitMix64,
 * same seed 42, same generation; see bench/HvCall.Benchmarks/CodeMix.cs):
 *   bitmap   HvCall's 64-byte table, the same branch-free formula as NestedRouting.FlagFor
 *   switch   if (nested) switch (code) { case 0x5C: case 0x5D: flag = bit 31; }
 *   ternary  Linux's call-site form: call_site_is_vmbus && nested ? bit 31 : 0
 *   none     the same loop without a decision (the floor)
 * Each loop sums the control words code | flag, exactly as the C# loops do.
 *
 * Usage: routing_bench CODES_FILE   (lines "0xCODE NESTED", from `HvCall.Benchmarks --dump-codes`)
 * Output: "DIGEST <mix> <fnv1a64>" and "RESULT <strategy> <mix> <best ns/decision>" lines.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MIX_LENGTH 4096
#define SEED 42u
#define NORMAL_CODE_LIMIT 512u
#define NESTED_BIT (1ull << 31)
#define MAX_CODES 1024
#define RUNS 21
#define PASSES 2000

enum { ALL_POST_MESSAGE, UNIFORM, NINETY_PERCENT_NON_NESTED, MIX_COUNT };
static const char *const mix_names[MIX_COUNT] = { "AllPostMessage", "Uniform", "NinetyPercentNonNested" };

static uint16_t catalog[MAX_CODES];
static bool catalog_nested[MAX_CODES];
static size_t catalog_count;

/* The routing state of a nested root; globals, as hv_nested is in Linux. */
static uint64_t routing_bits[NORMAL_CODE_LIMIT / 64];
static bool nested;

static uint16_t mix_codes[MIX_COUNT][MIX_LENGTH];
static bool mix_vmbus[MIX_COUNT][MIX_LENGTH];

static volatile uint64_t sink;

/* SplitMix64, identical to the C# SplitMix64. */
static uint64_t rng_state;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static size_t below(size_t bound) { return (size_t)(next_u64() % (uint64_t)bound); }

static bool is_nested_code(uint16_t code)
{
    for (size_t i = 0; i < catalog_count; i++)
        if (catalog[i] == code)
            return catalog_nested[i];
    return false;
}

static void build_mix(int kind)
{
    uint16_t *codes = mix_codes[kind];
    uint16_t other[MAX_CODES];
    size_t other_count = 0;
    rng_state = SEED;
    for (size_t i = 0; i < catalog_count; i++)
        if (!catalog_nested[i])
            other[other_count++] = catalog[i];
    switch (kind) {
    case ALL_POST_MESSAGE:
        for (size_t i = 0; i < MIX_LENGTH; i++)
            codes[i] = 0x5C;
        break;
    case UNIFORM:
        for (size_t i = 0; i < MIX_LENGTH; i++)
            codes[i] = catalog[below(catalog_count)];
        break;
    default:
        for (size_t i = 0; i < MIX_LENGTH; i++)
            codes[i] = i < MIX_LENGTH / 10 ? ((next_u64() & 1) ? 0x5D : 0x5C) : other[below(other_count)];
        for (size_t i = MIX_LENGTH - 1; i > 0; i--) {
            size_t j = below(i + 1);
            uint16_t t = codes[i];
            codes[i] = codes[j];
            codes[j] = t;
        }
        break;
    }
    for (size_t i = 0; i < MIX_LENGTH; i++)
        mix_vmbus[kind][i] = is_nested_code(codes[i]);
}

static uint64_t digest(const uint16_t *codes)
{
    uint64_t hash = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < MIX_LENGTH; i++) {
        hash = (hash ^ (uint8_t)codes[i]) * 0x00000100000001B3ull;
        hash = (hash ^ (uint8_t)(codes[i] >> 8)) * 0x00000100000001B3ull;
    }
    return hash;
}

/* NestedRouting.FlagFor: 1 when value < 512 (the subtraction wraps and sets bit 31), one load, shift, mask. */
static inline uint64_t bitmap_flag(uint32_t value)
{
    uint64_t in_range = (uint32_t)(value - NORMAL_CODE_LIMIT) >> 31;
    uint64_t word = routing_bits[(value >> 6) & 7];
    return ((word >> (value & 63)) & in_range) << 31;
}

static inline uint64_t switch_flag(uint32_t code)
{
    uint64_t flag = 0;
    if (nested) {
        switch (code) {
        case 0x5C:
        case 0x5D:
            flag = NESTED_BIT;
            break;
        }
    }
    return flag;
}

static inline uint64_t ternary_flag(bool call_site_is_vmbus) { return call_site_is_vmbus && nested ? NESTED_BIT : 0; }

/* A compiler barrier per pass: the mix and the routing state are reloaded, so passes cannot be merged. */
#define PASS_BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

__attribute__((noinline)) static uint64_t loop_bitmap(const uint16_t *codes, const bool *vmbus)
{
    (void)vmbus;
    uint64_t sum = 0;
    PASS_BARRIER(codes);
    for (size_t i = 0; i < MIX_LENGTH; i++)
        sum += codes[i] | bitmap_flag(codes[i]);
    return sum;
}

__attribute__((noinline)) static uint64_t loop_switch(const uint16_t *codes, const bool *vmbus)
{
    (void)vmbus;
    uint64_t sum = 0;
    PASS_BARRIER(codes);
    for (size_t i = 0; i < MIX_LENGTH; i++)
        sum += codes[i] | switch_flag(codes[i]);
    return sum;
}

__attribute__((noinline)) static uint64_t loop_ternary(const uint16_t *codes, const bool *vmbus)
{
    uint64_t sum = 0;
    PASS_BARRIER(codes);
    for (size_t i = 0; i < MIX_LENGTH; i++)
        sum += codes[i] | ternary_flag(vmbus[i]);
    return sum;
}

/* gcc 12 -O2 would vectorise this loop (no decision left to stop it); the floor is kept scalar, like the others. */
__attribute__((noinline, optimize("no-tree-vectorize"))) static uint64_t loop_none(const uint16_t *codes, const bool *vmbus)
{
    (void)vmbus;
    uint64_t sum = 0;
    PASS_BARRIER(codes);
    for (size_t i = 0; i < MIX_LENGTH; i++)
        sum += codes[i];
    return sum;
}

typedef uint64_t (*loop_fn)(const uint16_t *, const bool *);
static const struct { const char *name; loop_fn fn; } strategies[] = {
    { "Bitmap", loop_bitmap },
    { "NestedSwitch", loop_switch },
    { "CallSiteTernary", loop_ternary },
    { "NoRouting", loop_none },
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best of RUNS runs (after one warm-up run) of PASSES passes over the mix, in ns per decision. */
static double time_best(loop_fn fn, int kind)
{
    double best = 1e300;
    for (int run = -1; run < RUNS; run++) {
        double start = now_ns();
        for (int pass = 0; pass < PASSES; pass++)
            sink = fn(mix_codes[kind], mix_vmbus[kind]);
        double ns = (now_ns() - start) / ((double)PASSES * MIX_LENGTH);
        if (run >= 0 && ns < best)
            best = ns;
    }
    return best;
}

static void load_catalog(const char *path)
{
    FILE *file = fopen(path, "r");
    unsigned code;
    int flag;
    if (file == NULL) {
        perror(path);
        exit(2);
    }
    while (fscanf(file, "%x %d", &code, &flag) == 2) {
        if (catalog_count == MAX_CODES || code > 0xFFFF) {
            fprintf(stderr, "%s: bad catalog line (code 0x%X)\n", path, code);
            exit(2);
        }
        catalog[catalog_count] = (uint16_t)code;
        catalog_nested[catalog_count++] = flag != 0;
        if (flag && code < NORMAL_CODE_LIMIT)
            routing_bits[code >> 6] |= 1ull << (code & 63);
        nested |= flag != 0;
    }
    fclose(file);
    if (catalog_count == 0 || !nested) {
        fprintf(stderr, "%s: no codes, or no nested code\n", path);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CODES_FILE\n", argv[0]);
        return 2;
    }
    load_catalog(argv[1]);
    for (int kind = 0; kind < MIX_COUNT; kind++) {
        build_mix(kind);
        printf("DIGEST %s %016llX\n", mix_names[kind], (unsigned long long)digest(mix_codes[kind]));
    }
    for (int kind = 0; kind < MIX_COUNT; kind++)
        for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++)
            printf("RESULT %s %s %.3f\n", strategies[s].name, mix_names[kind], time_best(strategies[s].fn, kind));
    return 0;
}
