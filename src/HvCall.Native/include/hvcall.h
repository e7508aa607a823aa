/*
 * hvcall.h - HvCall's simulated Hyper-V machines for C code (libhvcall.so).
 *
 * A machine is a simulated flat or nested Hyper-V: L0 with its VMBus server, and the partition that C code
 * drives (the flat guest, or the nested root of an L1 hypervisor).  Its RAM is one native range starting at
 * GPA 0, so virt_to_phys(p) is p - base.  C code reaches the hypervisor as a guest does: CPUID, RDMSR/WRMSR
 * and the hypercall instruction, here as functions; and, once it has enabled the hypercall page through
 * HV_X64_MSR_HYPERCALL, by an indirect call into that guest page with RCX = control, RDX = input GPA (or fast
 * input), R8 = output GPA (or fast input) and XMM0-XMM5 for extended fast input, exactly as Linux's
 * hv_do_hypercall() calls the page.  Code that calls the page from user space must be built with
 * -mno-red-zone: the call pushes onto the stack below the caller's frame.
 *
 * Threading: a machine may be used from several threads, one per VP (hvcall_bind_vp); the library serialises
 * internally.  Errors: functions returning int give 0 or a negative HVCALL_E_* code, and hvcall_last_error()
 * says why in one line.  A guest mistake is not an error: it is the hypercall status in the result, as on
 * hardware.  Nothing passed in may crash the process.
 *
 * See docs/native.md in the HvCall repository.
 */
#ifndef HVCALL_H
#define HVCALL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; hvcall_abi_version() returns the library's. */
#define HVCALL_ABI_VERSION 1

/* Return codes (negative: nothing was done). */
#define HVCALL_OK 0
#define HVCALL_E_ARGUMENT -1  /* a NULL pointer or a value out of range */
#define HVCALL_E_OPTIONS -2   /* malformed machine options */
#define HVCALL_E_VP -3        /* no such VP in the guest partition */
#define HVCALL_E_NOT_BOUND -4 /* the calling thread is bound to no VP (hvcall_bind_vp) */
#define HVCALL_E_GP -5        /* the MSR access raised #GP */
#define HVCALL_E_ARCH -6      /* the call does not exist on the partition's architecture */
#define HVCALL_E_UD -7        /* the hypercall instruction raised #UD (the guest OS id is not set) */
#define HVCALL_E_STATE -8     /* the machine is destroyed or not usable */

/* A hypercall entry point that cannot run returns its negative code as a 64-bit value:
 * HVCALL_RESULT_ERROR(HVCALL_E_NOT_BOUND) == (uint64_t)(int64_t)-4.  Real results have bits 63:60 clear. */
#define HVCALL_RESULT_ERROR(code) ((uint64_t)(int64_t)(code))

/* Selected MSRs (TLFS "Synthetic MSRs"). */
#define HVCALL_MSR_GUEST_OS_ID 0x40000000u
#define HVCALL_MSR_HYPERCALL 0x40000001u
#define HVCALL_MSR_VP_INDEX 0x40000002u

typedef struct hvcall_machine hvcall_machine;

/* The library's ABI version (HVCALL_ABI_VERSION of the header it was built with). */
int hvcall_abi_version(void);

/*
 * Creates a machine.  options: "key=value" pairs separated by commas, with the names and values of
 * `hvcall simulate`: topology=nested|flat, arch=x64|arm64, vps=N, memory=BYTES, seed=S, l2-guests=N,
 * l0=hyperv|kvm|kvm-relay|qemu|openvmm (the host L0 answers as; L1 stays Hyper-V), enforce-cpuid=on|off (the
 * profile's KVM_CAP_HYPERV_ENFORCE_CPUID; off by default) and trace=on|off (record every hypercall for
 * hvcall_trace_json; on by default; turn it off for long loops) (numbers in decimal or 0x hex, underscores
 * allowed).  NULL or "" gives the defaults of `simulate` (nested, x64, 1 VP, 64 MiB, seed 1, hyperv).  On success
 * *machine is set and 0 returned.
 */
int hvcall_machine_create(const char *options, hvcall_machine **machine);

/* Destroys a machine; its memory and any hypercall page overlay are gone afterwards.  NULL is ignored. */
void hvcall_machine_destroy(hvcall_machine *machine);

/* The last error on this thread, one line; valid until the thread's next hvcall call.  Never NULL. */
const char *hvcall_last_error(void);

/*
 * The guest partition's RAM: one native range starting at GPA 0, shared with the simulated hypervisor.
 * *size (if not NULL) receives its size in bytes.  NULL when machine is NULL.
 */
void *hvcall_guest_memory(hvcall_machine *machine, uint64_t *size);

/* Binds the calling thread to VP vp of the guest partition; the calls below act on it. */
int hvcall_bind_vp(hvcall_machine *machine, uint32_t vp);

/* RDMSR on the bound VP.  HVCALL_E_GP when the processor would raise #GP. */
int hvcall_rdmsr(uint32_t msr, uint64_t *value);

/*
 * WRMSR on the bound VP.  HVCALL_E_GP when the processor would raise #GP.  Writing HV_X64_MSR_HYPERCALL with
 * the enable bit (and a guest OS id already set) overlays the hypercall page on that guest page: it becomes
 * callable.  Disabling it, or setting the guest OS id to 0, makes the page plain memory again.
 */
int hvcall_wrmsr(uint32_t msr, uint64_t value);

/* CPUID on the bound VP: regs receives EAX, EBX, ECX, EDX (all zero when no VP is bound or regs is NULL). */
void hvcall_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* One hypercall on the bound x64 VP: RCX = control, RDX = input, R8 = output.  Returns the result word. */
uint64_t hvcall_hypercall(uint64_t control, uint64_t input, uint64_t output);

/*
 * One hypercall on the bound x64 VP with the whole fast block: block[0] = RDX, block[1] = R8,
 * block[2..13] = XMM0-XMM5 (low qword first).  The block is updated with the registers as the hypercall
 * left them (fast output).  Returns the result word.
 */
uint64_t hvcall_hypercall_fast(uint64_t control, uint64_t block[14]);

/*
 * One hypercall on the bound ARM64 VP: x[0..17] are X0-X17 (X0 = 0x46000001, X1 = control, ...), updated as
 * the HVC left them.  Returns X0, the result word.
 */
uint64_t hvcall_hypercall_arm64(uint64_t x[18]);

/* Lets the host side (L0's VMBus server) take up to steps steps: replies appear in guest memory. */
int hvcall_run(hvcall_machine *machine, uint32_t steps);

/*
 * Interrupts VP vp has received so far, per SINT: counts[0..15].  On a nested root both of its SynICs count:
 * L1's, and L0's (reached through the nested SynIC MSRs, whose interrupts arrive through the L1 VM's VP).
 */
int hvcall_interrupts(hvcall_machine *machine, uint32_t vp, uint32_t counts[16]);

/*
 * The hypercalls issued so far, as a JSON array of the objects of `hvcall simulate --json`'s "hypercalls".
 * Free with hvcall_free.  NULL on error.
 */
char *hvcall_trace_json(hvcall_machine *machine);

#define HVCALL_TRACE_KVM 0      /* raw ftrace text of KVM's Hyper-V tracepoints, as `hvcall simulate --trace-out` */
#define HVCALL_TRACE_PERFETTO 1 /* Chrome trace-event JSON for ui.perfetto.dev, as `hvcall simulate --perfetto` */

/*
 * Writes the machine's events from now on (hypercalls, synthetic MSRs, SynIC interrupts, ...) to the file at path,
 * in format HVCALL_TRACE_KVM (read it with `hvcall trace`) or HVCALL_TRACE_PERFETTO.  The file is finished when the
 * machine is destroyed.  HVCALL_E_ARGUMENT for a NULL path, an unknown format or a file that cannot be created;
 * HVCALL_E_STATE when the machine already writes a file of that format.
 */
int hvcall_trace_to(hvcall_machine *machine, const char *path, int format);

/* Frees memory the library returned (hvcall_trace_json).  NULL is ignored. */
void hvcall_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* HVCALL_H */
