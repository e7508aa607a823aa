/*
 * page_split: why an HvCall issuing-path benchmark sometimes reads ~13 ns instead of ~2.5 ns.
 *
 * Hypercalls.Simple zeroes its 144-byte HypercallRegisters block on the stack; on AVX-512 hardware the JIT
 * does it with 64-byte (zmm) stores. Where the stack places the block across a 4 KiB page boundary, those
 * stores are page-split stores, which cost several ns each. The stack offset is random per process, so a
 * BenchmarkDotNet case (one process) is either fast or slow throughout. This program models one call:
 * zero the block with the widest vector stores the CPU has, write four slots, call a no-op "instruction",
 * read the result, and times it for block offsets around a page boundary.
 */
#define _POSIX_C_SOURCE 200112L
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CALLS 1000000

__attribute__((noinline)) static void execute(uint64_t *registers) { registers[0] = 0; }

__attribute__((target("avx512f"))) static void zero_block_avx512(uint64_t *r)
{
    _mm512_storeu_si512((void *)r, _mm512_setzero_si512());
    _mm512_storeu_si512((void *)(r + 8), _mm512_setzero_si512());
    r[16] = r[17] = 0;
}

__attribute__((target("avx2"))) static void zero_block_avx2(uint64_t *r)
{
    for (int i = 0; i < 16; i += 4)
        _mm256_storeu_si256((__m256i *)(r + i), _mm256_setzero_si256());
    r[16] = r[17] = 0;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
    int avx512 = __builtin_cpu_supports("avx512f");
    void (*zero_block)(uint64_t *) = avx512 ? zero_block_avx512 : zero_block_avx2;
    char *memory = NULL;
    if (posix_memalign((void **)&memory, 4096, 2 * 4096) != 0)
        return 1;
    printf("zeroing with %d-byte stores; block = 18 qwords (144 bytes)\n", avx512 ? 64 : 32);
    for (int offset = -160; offset <= 16; offset += 16) {
        uint64_t *registers = (uint64_t *)(memory + 4096 + offset);
        volatile uint64_t sink = 0;
        double best = 1e300;
        for (int run = 0; run < 5; run++) {
            double start = now_ns();
            for (int i = 0; i < CALLS; i++) {
                zero_block(registers);
                registers[1] = 0x5C | (1ull << 31);
                registers[2] = (uint64_t)i;
                registers[3] = 0;
                execute(registers);
                sink += registers[0];
            }
            double ns = (now_ns() - start) / CALLS;
            best = ns < best ? ns : best;
        }
        printf("PAGESPLIT block at page offset %+5d: %6.2f ns per call%s\n", offset, best,
               offset < 0 && offset + 144 > 0 ? "  (crosses the page boundary)" : "");
    }
    free(memory);
    return 0;
}
