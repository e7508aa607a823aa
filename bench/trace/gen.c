/*
 * gen.c - writes a deterministic raw-ftrace text log of KVM Hyper-V events for the `hvcall trace` benchmark.
 *
 * Usage: gen BYTES SEED > FILE
 *
 * The lines follow the formats of /work/shared/reference/trace-formats.md: the raw ftrace prefix of a new kernel
 * (§1.1: "%16s-%-7d " comm-pid, "[%03d] ", 5-char flags, " %5lu.%06lu: "), the 5.18+ kvm_hv_hypercall payload
 * (§2), kvm_hv_hypercall_done, kvm_hv_synic_set_msr + kvm_msr pairs, kvm_exit/kvm_entry (kernel form), the flush and
 * IPI events a handler emits between a call and its _done, SynIC interrupt events, and unrelated events
 * (sched_switch, kvm_hv_timer_state, kvm_userspace_exit). Eight vCPU threads step through their own state machines,
 * interleaved at random, and move between CPUs now and then. The same BYTES and SEED give the same file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n) { return (unsigned)(next() % n); }

#define VCPUS 8

struct vcpu {
    int step;       /* position in the current sequence */
    int kind;       /* 0 hypercall, 1 msr write, 2 msr read, 3 other exit */
    int cpu;
    unsigned code;
    int fast, reps, var;
    unsigned msr;
    uint64_t data;
    uint64_t rip;
};

static struct vcpu vcpus[VCPUS];
static uint64_t now_us = 73012004211ULL; /* 73012.004211 s */
static char line[512];
static const char *flags[] = { ".....", ".....", ".....", "d..1.", "d..2.", "..s1.", ".N..." };

static const unsigned codes[] = { 0x2, 0x3, 0x13, 0x14, 0xb, 0x15, 0x8, 0x5c, 0x5c, 0x5c, 0x5d, 0x5d, 0x5d, 0x5d, 0x46, 0x8001 };
static const unsigned msrs[] = { 0x40000083, 0x40000082, 0x40000080, 0x40000090, 0x40000092, 0x40000084, 0x400000b0, 0x400000b1 };

static int prefix(const char *comm, int pid, int cpu)
{
    now_us += 1 + below(6);
    return sprintf(line, "%16s-%-7d [%03d] %s %5llu.%06llu: ", comm, pid, cpu, flags[below(7)],
                   (unsigned long long)(now_us / 1000000), (unsigned long long)(now_us % 1000000));
}

static int vcpu_line(int v)
{
    struct vcpu *c = &vcpus[v];
    char comm[16];
    int n;
    snprintf(comm, sizeof comm, "CPU %d/KVM", v);
    if (c->step == 0) {
        int roll = (int)below(100);
        c->kind = roll < 72 ? 0 : roll < 84 ? 1 : roll < 90 ? 2 : 3;
        if (below(50) == 0)
            c->cpu = (int)below(16);
        c->rip = 0xfffff80312340000ULL + below(0x10000);
    }
    n = prefix(below(200) == 0 ? "<...>" : comm, 20510 + v, c->cpu);
    switch (c->kind) {
    case 0: /* exit, call, [flush/ipi], done, entry */
        switch (c->step) {
        case 0:
            n += sprintf(line + n, "kvm_exit: vcpu %d reason VMCALL rip 0x%llx info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
                         v, (unsigned long long)c->rip);
            c->step = 1;
            break;
        case 1:
            c->code = codes[below(sizeof codes / sizeof codes[0])];
            c->fast = c->code == 0x5d || c->code == 0x8 || c->code == 0x46 || (c->code <= 0x15 && below(2));
            c->reps = (c->code == 0x3 || c->code == 0x14) ? 1 + (int)below(below(4) == 0 ? 500 : 8) : 0;
            c->var = (c->code == 0x13 || c->code == 0x14 || c->code == 0x15) ? (int)below(3) : 0;
            n += sprintf(line + n, "kvm_hv_hypercall: code 0x%x %s var_cnt 0x%x rep_cnt 0x%x idx 0x0 in 0x%llx out 0x0",
                         c->code, c->fast ? "fast" : "slow", c->var, c->reps, (unsigned long long)(0x1a2b000 + 0x1000 * below(64)));
            c->step = (c->code <= 0x15 && c->code != 0x8) ? 2 : 3;
            break;
        case 2:
            if (c->code == 0xb || c->code == 0x15)
                n += sprintf(line + n, "kvm_hv_send_ipi: vector %x processor_mask 0x%x", 0xf3 - below(3), 1u << below(8));
            else
                n += sprintf(line + n, "kvm_hv_flush_tlb: processor_mask 0x%x address_space 0x%llx flags 0x%x %s",
                             1 + below(255), (unsigned long long)(0x7c1e000 + 0x1000 * below(16)), below(4), below(8) ? "" : "(L2)");
            c->step = 3;
            break;
        case 3:
            if (below(400) == 0) { /* a _done that never comes: the next call of this vCPU follows */
                n += sprintf(line + n, "kvm_userspace_exit: reason KVM_EXIT_HYPERV (27)");
                c->step = 0;
                break;
            } else {
                unsigned status = c->code == 0x46 ? 0x6 : c->code == 0x8001 ? 0x2 : below(20) ? 0 : 0x12;
                n += sprintf(line + n, "kvm_hv_hypercall_done: result 0x%llx",
                             (unsigned long long)status | ((unsigned long long)(status ? 0 : c->reps) << 32));
            }
            c->step = 4;
            break;
        default:
            n += sprintf(line + n, "kvm_entry: vcpu %d, rip 0x%llx", v, (unsigned long long)(c->rip + 3));
            c->step = 0;
            break;
        }
        break;
    case 1: /* a SynIC MSR write: exit, synic_set_msr, kvm_msr, entry */
        switch (c->step) {
        case 0:
            n += sprintf(line + n, "kvm_exit: vcpu %d reason MSR_WRITE rip 0x%llx info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
                         v, (unsigned long long)c->rip);
            c->msr = msrs[below(sizeof msrs / sizeof msrs[0])];
            c->data = 0x1a2b3001ULL + 0x1000 * below(32);
            c->step = c->msr < 0x400000b0 ? 1 : 2;
            break;
        case 1:
            n += sprintf(line + n, "kvm_hv_synic_set_msr: vcpu_id %d msr 0x%x data 0x%llx host 0", v, c->msr, (unsigned long long)c->data);
            c->step = 2;
            break;
        case 2:
            n += sprintf(line + n, "kvm_msr: msr_write %x = 0x%llx", c->msr, (unsigned long long)c->data);
            c->step = 3;
            break;
        default:
            n += sprintf(line + n, "kvm_entry: vcpu %d, rip 0x%llx", v, (unsigned long long)(c->rip + 2));
            c->step = 0;
            break;
        }
        break;
    case 2: /* an MSR read */
        if (c->step == 0) {
            n += sprintf(line + n, "kvm_msr: msr_read %x = 0x%llx", msrs[below(4)], (unsigned long long)(0x1000 * below(64)));
            c->step = 1;
        } else {
            n += sprintf(line + n, "kvm_hv_synic_set_irq: vcpu_id %d sint %u vector %u ret 1", v, 2 + below(2), 0xf3 - below(3));
            c->step = 0;
        }
        break;
    default: /* another exit */
        if (c->step == 0) {
            n += sprintf(line + n, "kvm_exit: vcpu %d reason EPT_VIOLATION rip 0x%llx info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
                         v, (unsigned long long)c->rip);
            c->step = 1;
        } else {
            n += sprintf(line + n, "kvm_entry: vcpu %d, rip 0x%llx", v, (unsigned long long)c->rip);
            c->step = 0;
        }
        break;
    }
    return n;
}

static int other_line(void)
{
    int n;
    switch (below(3)) {
    case 0:
        n = prefix("qemu-system-x86", 20500, (int)below(16));
        return n + sprintf(line + n, "sched_switch: prev_comm=qemu-system-x86 prev_pid=20500 prev_prio=120 prev_state=S ==> next_comm=swapper/%d next_pid=0 next_prio=120", (int)below(16));
    case 1:
        n = prefix("CPU 0/KVM", 20510, (int)below(16));
        return n + sprintf(line + n, "kvm_hv_timer_state: vcpu_id 0 hv_timer 1");
    default:
        n = prefix("kworker/3:1", 211, 3);
        return n + sprintf(line + n, "kvm_hv_notify_acked_sint: vcpu_id %d sint 2", (int)below(VCPUS));
    }
}

int main(int argc, char **argv)
{
    unsigned long long target, written = 0;
    static char out[1 << 20];
    size_t used = 0;
    int i;

    if (argc != 3) {
        fprintf(stderr, "usage: %s BYTES SEED\n", argv[0]);
        return 2;
    }
    target = strtoull(argv[1], NULL, 0);
    state = strtoull(argv[2], NULL, 0);
    for (i = 0; i < VCPUS; i++)
        vcpus[i].cpu = i;

    written += (unsigned long long)printf("# tracer: nop\n#\n# entries-in-buffer/entries-written: 0/0   #P:16\n#\n");
    while (written < target) {
        int n = below(20) == 0 ? other_line() : vcpu_line((int)below(VCPUS));
        line[n++] = '\n';
        if (used + (size_t)n > sizeof out) {
            fwrite(out, 1, used, stdout);
            used = 0;
        }
        memcpy(out + used, line, (size_t)n);
        used += (size_t)n;
        written += (unsigned long long)n;
    }
    fwrite(out, 1, used, stdout);
    return 0;
}
