using System;
using System.Collections.Immutable;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Hypervisor.Profiles;

/// <summary>
/// How one host answers Hyper-V hypercalls, as data: the control-word bits it refuses, the order of its checks, when it
/// enforces privileges, its status for each error condition, the codes it implements, per-code rules, and the VMM it
/// hands calls to. The dispatcher reads these values; it has no branch on a host's name.
/// </summary>
/// <remarks>
/// host-implementations.md §1.9 (the table of differences with sources), §4 (KVM), §6 (QEMU), §7 (OpenVMM);
/// <see cref="HostProfiles"/> holds the named profiles, each citing its sources in <see cref="Source"/>. A profile is
/// immutable; derive a variant with <c>with</c> (for example <c>HostProfiles.Kvm with { EnforceCpuid = true }</c>).
/// </remarks>
public sealed record HostProfile
{
    /// <summary>The name (<c>hyperv</c>, <c>kvm</c>, …), as <c>--l0</c>, <c>--host</c> and <c>l0=</c> take it.</summary>
    public required string Name { get; init; }

    /// <summary>One line: which host this is.</summary>
    public required string Description { get; init; }

    /// <summary>Where its data comes from: host-implementations.md sections and the upstream files.</summary>
    public required string Source { get; init; }

    /// <summary>The architectures the host answers Hyper-V hypercalls on (KVM's Hyper-V emulation is x86-only:
    /// <c>arch/x86/kvm/hyperv.c</c>).</summary>
    public ImmutableArray<HvArchitecture> Architectures { get; init; } = [HvArchitecture.X64, HvArchitecture.Arm64];

    /// <summary>The checks in the order the host makes them (per code, <see cref="HostCodeRule.Checks"/> may differ).</summary>
    public required ImmutableArray<HostCheck> Checks { get; init; }

    /// <summary>The control-word bits <see cref="HostCheck.ReservedBits"/> refuses, or null when the host checks none
    /// (TLFS RsvdZ 0xF000F00078000000; KVM's <c>HV_HYPERCALL_RSVD_MASK</c> 0xF000F000F8000000 includes bit 31).</summary>
    public ulong? ReservedMask { get; init; }

    /// <summary>What the host does with bit 31 of a call a child hypervisor forwarded from its root.</summary>
    public ForwardedNestedBit ForwardedNestedBit { get; init; }

    /// <summary>The codes whose forwarded bit 31 is cleared under <see cref="ForwardedNestedBit.Relayed"/>.</summary>
    public ImmutableArray<HvCallCode> RelayedCodes { get; init; } = [];

    /// <summary>True when this host, running inside a VM of a parent, hands its root's nested-bit calls to that parent
    /// (a Microsoft hypervisor as L1, TLFS "Nested Virtualization").</summary>
    public bool ForwardsNestedCalls { get; init; }

    /// <summary>When the host enforces partition privileges.</summary>
    public PrivilegeEnforcement PrivilegeEnforcement { get; init; }

    /// <summary>KVM's <c>KVM_CAP_HYPERV_ENFORCE_CPUID</c> (off by default): with <see cref="PrivilegeEnforcement.WhenEnforceCpuid"/>,
    /// privileges are enforced only when this is on; other enforcement modes ignore it.</summary>
    public bool EnforceCpuid { get; init; }

    /// <summary>True when <see cref="HostCheck.Privilege"/> is made.</summary>
    public bool EnforcesPrivileges => PrivilegeEnforcement == PrivilegeEnforcement.Always ||
        (PrivilegeEnforcement == PrivilegeEnforcement.WhenEnforceCpuid && EnforceCpuid);

    /// <summary>Status of a code the host does not implement (every host: INVALID_HYPERCALL_CODE, §1.9).</summary>
    public HvStatus UnknownCodeStatus { get; init; } = HvStatus.InvalidHypercallCode;

    /// <summary>Status of a malformed control word: reserved bits, rep fields, variable header, a meaningless nested bit.</summary>
    public HvStatus InvalidControlStatus { get; init; } = HvStatus.InvalidHypercallInput;

    /// <summary>Status of the fast flag on a call with no fast form, or null when the host has no such check (the register
    /// block's size alone decides: OpenVMM).</summary>
    public HvStatus? FastWithoutFastFormStatus { get; init; }

    /// <summary>Status of fast input and output larger than the register block.</summary>
    public HvStatus FastInputTooLargeStatus { get; init; } = HvStatus.InvalidHypercallInput;

    /// <summary>Status of a missing privilege.</summary>
    public HvStatus MissingPrivilegeStatus { get; init; } = HvStatus.AccessDenied;

    /// <summary>How memory parameters are validated.</summary>
    public required HostMemoryRules Memory { get; init; }

    /// <summary>Status of a GPA that is not aligned (from <see cref="Memory"/>).</summary>
    public HvStatus MisalignedGpaStatus => Memory.MisalignedStatus;

    /// <summary>Status of a parameter list crossing a page, or null when not checked (from <see cref="Memory"/>).</summary>
    public HvStatus? PageStraddleStatus => Memory.StraddleStatus;

    /// <summary>Status of a GPA outside guest memory (from <see cref="Memory"/>).</summary>
    public HvStatus GpaOutsideRamStatus => Memory.OutsideRamStatus;

    /// <summary>True when a rep call must start at rep 0 (KVM: "rep_idx ≠ 0 → 0x3"; it has no continuation).</summary>
    public bool RepStartMustBeZero { get; init; }

    /// <summary>True when a rep call is time-sliced and continued (TLFS, OpenVMM); false when every rep completes in one
    /// execution (KVM: "We always do full TLB flush, set 'Reps completed' = 'Rep Count'").</summary>
    public bool SlicesRepCalls { get; init; } = true;

    /// <summary>The codes the host implements, or null for every code of the catalog. Any other code gets
    /// <see cref="UnknownCodeStatus"/> at <see cref="HostCheck.KnownCode"/>.</summary>
    public ImmutableArray<HvCallCode>? ImplementedCodes { get; init; }

    /// <summary>Per-code rules where the host differs from its profile-wide data.</summary>
    public ImmutableDictionary<HvCallCode, HostCodeRule> CodeRules { get; init; } = ImmutableDictionary<HvCallCode, HostCodeRule>.Empty;

    /// <summary>HvCallPostMessage input checks.</summary>
    public PostMessageRules PostMessage { get; init; } = PostMessageRules.Tlfs;

    /// <summary>HvCallSignalEvent input checks.</summary>
    public SignalEventRules SignalEvent { get; init; } = SignalEventRules.Tlfs;

    /// <summary>The userspace VMM that <see cref="HostCheck.HandToVmm"/> hands calls to, or null (KVM: QEMU).</summary>
    public HostProfile? Vmm { get; init; }

    /// <summary>True when the host implements <paramref name="code"/>.</summary>
    /// <param name="code">The code.</param>
    public bool Implements(HvCallCode code) =>
        ImplementedCodes is { } codes ? codes.Contains(code) : HypercallCatalog.TryGet(code, out _);

    /// <summary>The rule of <paramref name="code"/>, or null.</summary>
    /// <param name="code">The code.</param>
    public HostCodeRule? RuleFor(HvCallCode code) => CodeRules.TryGetValue(code, out var rule) ? rule : null;

    /// <summary>The checks the host makes on <paramref name="code"/>, in order (up to a hand-off to its VMM).</summary>
    /// <param name="code">The code.</param>
    public ImmutableArray<HostCheck> ChecksFor(HvCallCode code) => RuleFor(code)?.Checks ?? Checks;

    /// <summary>The status of the fast flag on <paramref name="code"/> when it has no fast form, or null when not checked.</summary>
    /// <param name="code">The code.</param>
    public HvStatus? FastStatusFor(HvCallCode code) => RuleFor(code)?.FastStatus ?? FastWithoutFastFormStatus;

    /// <summary>The memory rules of <paramref name="code"/>.</summary>
    /// <param name="code">The code.</param>
    public HostMemoryRules MemoryFor(HvCallCode code) => RuleFor(code)?.Memory ?? Memory;

    /// <summary>True when the host answers calls from partitions of <paramref name="architecture"/>.</summary>
    /// <param name="architecture">The architecture.</param>
    public bool Supports(HvArchitecture architecture) => Architectures.Contains(architecture);

    /// <summary>
    /// The control word the host dispatches for a call a child hypervisor forwarded with bit 31: cleared when accepted,
    /// or relayed for one of <see cref="RelayedCodes"/>; otherwise unchanged, for the reserved-bit check to refuse.
    /// </summary>
    /// <param name="control">The forwarded control word.</param>
    public HypercallControl AdmitForwarded(HypercallControl control) => ForwardedNestedBit switch
    {
        ForwardedNestedBit.Accepted => control.WithNested(false),
        ForwardedNestedBit.Relayed when RelayedCodes.Contains(control.Code) => control.WithNested(false),
        _ => control,
    };

    /// <summary>The name.</summary>
    public override string ToString() => Name;

    /// <summary>Throws when the data cannot drive the dispatcher (host misuse, not guest input).</summary>
    /// <exception cref="ArgumentException">A named check lacks its status, a reserved nested bit is not in the mask, or
    /// a hand-off has no VMM.</exception>
    public void ThrowIfInconsistent()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        if (Checks.IsDefaultOrEmpty)
            throw new ArgumentException($"Host profile {Name} lists no checks.");
        if (ForwardedNestedBit != ForwardedNestedBit.Accepted && ((ReservedMask ?? 0) & HypercallControl.NestedBit) == 0)
            throw new ArgumentException($"Host profile {Name} keeps a forwarded nested bit, but its reserved mask does not refuse bit 31.");
        foreach (var (code, rule) in CodeRules)
        {
            var checks = rule.Checks ?? Checks;
            if (checks.Contains(HostCheck.HandToVmm) && Vmm is null)
                throw new ArgumentException($"Host profile {Name} hands 0x{code.Value:X4} to a VMM but has none.");
            if (checks.Contains(HostCheck.FastForm) && (rule.FastStatus ?? FastWithoutFastFormStatus) is null)
                throw new ArgumentException($"Host profile {Name} checks the fast form of 0x{code.Value:X4} without a status for it.");
        }
        if (Checks.Contains(HostCheck.FastForm) && FastWithoutFastFormStatus is null)
            throw new ArgumentException($"Host profile {Name} checks the fast form without a status for it.");
        Vmm?.ThrowIfInconsistent();
    }
}
