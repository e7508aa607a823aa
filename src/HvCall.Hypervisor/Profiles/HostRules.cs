using System.Collections.Immutable;
using HvCall.Abi;

namespace HvCall.Hypervisor.Profiles;

/// <summary>
/// One check a host makes on a hypercall before its handler runs. A <see cref="HostProfile"/> lists them in the order
/// the host makes them, so a call with two faults gets the status of the check its host makes first.
/// </summary>
/// <remarks>
/// host-implementations.md §1.8 ("the order in which error conditions are detected … is undefined"), §4.2 (KVM's
/// order), §7 (OpenVMM's order), §9 item 2 (make the order a per-host profile).
/// </remarks>
public enum HostCheck
{
    /// <summary>
    /// The nested bit (31) on a call no child hypervisor forwarded (no parent, or a caller other than the root):
    /// the profile's invalid-control status. A Microsoft hypervisor gives it meaning only for its root's calls (TLFS
    /// "Nested Virtualization"); a forwarded call's bit is decided by <see cref="HostProfile.ForwardedNestedBit"/>.
    /// </summary>
    NestedBit,
    /// <summary>The host implements the code (<see cref="HostProfile.ImplementedCodes"/>): else its unknown-code status.</summary>
    KnownCode,
    /// <summary>The caller holds the partition privilege the call needs, when the host enforces privileges: else its
    /// missing-privilege status. Only codes the host implements are checked (KVM's <c>hv_check_hypercall_access</c>
    /// passes any other code).</summary>
    Privilege,
    /// <summary>This simulation has a handler for the code: else the host's unknown-code status (HvCall's limit, not
    /// the host's; a code without a handler also has no sizes, so the size checks need this one first).</summary>
    Simulated,
    /// <summary>No bit of <see cref="HostProfile.ReservedMask"/> is set in the control word: else the invalid-control status.</summary>
    ReservedBits,
    /// <summary>Rep count zero on a rep call or non-zero on a simple one, rep start at or past the rep count (or non-zero,
    /// where <see cref="HostProfile.RepStartMustBeZero"/>): the invalid-control status.</summary>
    RepFields,
    /// <summary>A variable header on a call that takes none: the invalid-control status.</summary>
    VariableHeader,
    /// <summary>The fast flag on a call with no fast form (catalog): the code rule's or the profile's
    /// <see cref="HostProfile.FastWithoutFastFormStatus"/>.</summary>
    FastForm,
    /// <summary>A fast call whose input and output do not fit the register block: <see cref="HostProfile.FastInputTooLargeStatus"/>.</summary>
    FastSize,
    /// <summary>The memory parameters of a slow call: alignment, page straddle, outside guest memory, overlap
    /// (<see cref="HostMemoryRules"/>).</summary>
    Memory,
    /// <summary>The kernel half hands the call to its VMM (<see cref="HostProfile.Vmm"/>), whose own checks for the code
    /// then run from its first, and whose rules the handler follows (host-implementations.md §4.5: KVM_EXIT_HYPERV_HCALL).</summary>
    HandToVmm,
}

/// <summary>Whether a host enforces partition privileges (CPUID 0x40000003 EBX) on hypercalls.</summary>
/// <remarks>host-implementations.md §1.9 row "missing privilege", §4.2 step 3, §4.3.</remarks>
public enum PrivilegeEnforcement
{
    /// <summary>Always (Hyper-V: TLFS ACCESS_DENIED).</summary>
    Always,
    /// <summary>Never (QEMU: "no PostMessages privilege checks (KVM does them)"; OpenVMM's dispatcher checks none).</summary>
    Never,
    /// <summary>Only when the profile's <see cref="HostProfile.EnforceCpuid"/> is on (KVM: <c>KVM_CAP_HYPERV_ENFORCE_CPUID</c>).</summary>
    WhenEnforceCpuid,
}

/// <summary>What a host does with the nested bit (31) of a call a child hypervisor forwarded from its root.</summary>
/// <remarks>host-implementations.md §3 ("How real L0s implement …"), §1.9 row "reserved control bit set".</remarks>
public enum ForwardedNestedBit
{
    /// <summary>Cleared and the call dispatched (Hyper-V as L0, TLFS "Nested Virtualization"; OpenVMM and QEMU decode
    /// only the fields they use, so the bit is ignored).</summary>
    Accepted,
    /// <summary>Cleared and dispatched for <see cref="HostProfile.RelayedCodes"/> only; any other code keeps the bit, which
    /// the reserved-bit check then refuses (the out-of-tree KVM nested-VMBus relay, §3).</summary>
    Relayed,
    /// <summary>Kept: the reserved-bit check refuses it (KVM: bit 31 is inside <c>HV_HYPERCALL_RSVD_MASK</c>, §4.2 step 4).</summary>
    Reserved,
}

/// <summary>How a host validates the memory parameters of a slow call (a parameter area of length 0 is never checked).</summary>
/// <remarks>host-implementations.md §1.7, §1.9 rows "misaligned GPA", "list crosses page", "GPA unreadable / outside RAM".</remarks>
/// <param name="Alignment">Required GPA alignment in bytes (1: not checked).</param>
/// <param name="MisalignedStatus">Status of a GPA that is not aligned.</param>
/// <param name="StraddleStatus">Status of an area that crosses a 4 KiB page, or null when not checked.</param>
/// <param name="OutsideRamStatus">Status of an area outside guest memory (or unreadable).</param>
/// <param name="OverlapStatus">Status of input and output areas that overlap, or null when not checked.</param>
public sealed record HostMemoryRules(int Alignment, HvStatus MisalignedStatus, HvStatus? StraddleStatus, HvStatus OutsideRamStatus, HvStatus? OverlapStatus)
{
    /// <summary>True when each area's page straddle is checked before its alignment (OpenVMM <c>check_buffer</c>).</summary>
    public bool StraddleFirst { get; init; }
}

/// <summary>How a host checks the message type of HvCallPostMessage.</summary>
/// <remarks>host-implementations.md §2.1 (TLFS), §6 (QEMU's VMBus handler), §7 (OpenVMM drops the field).</remarks>
public enum MessageTypeCheck
{
    /// <summary>TLFS: type 0 or with the most significant bit set, checked with the payload size before the connection.</summary>
    Tlfs,
    /// <summary>QEMU's <c>vmbus_recv_message</c>: any type but 1 (VMBus), checked after the connection resolves.</summary>
    VmBusOnly,
    /// <summary>Not checked (OpenVMM: <c>HvPostMessage</c> passes only the connection id and the payload).</summary>
    NotChecked,
}

/// <summary>A host's HvCallPostMessage (0x5C) input checks; the connection, port, buffer, VP and SynIC checks follow.</summary>
/// <remarks>host-implementations.md §2.1, §6 (<c>hyperv_hcall_post_message</c>), §7 (OpenVMM <c>HvPostMessage</c>).</remarks>
/// <param name="ReservedFieldStatus">Status of a non-zero reserved u32 at offset 4, or null when not checked.</param>
/// <param name="PayloadTooLargeStatus">Status of a payload size over 240.</param>
/// <param name="MessageType">How the message type is checked.</param>
/// <param name="MessageTypeStatus">Status of a message type the check refuses.</param>
/// <param name="IgnoresConnectionIdHighBits">True when the connection id is masked to its 24 id bits before the lookup
/// (QEMU: <c>connection_id &amp; 0x00ffffff</c>), false when high bits make it an unknown id (INVALID_CONNECTION_ID).</param>
public sealed record PostMessageRules(
    HvStatus? ReservedFieldStatus, HvStatus PayloadTooLargeStatus, MessageTypeCheck MessageType, HvStatus MessageTypeStatus,
    bool IgnoresConnectionIdHighBits)
{
    /// <summary>The TLFS answers HvCall's Hyper-V gives (docs/machine-model.md "PostMessage check order").</summary>
    public static PostMessageRules Tlfs { get; } = new(HvStatus.InvalidParameter, HvStatus.InvalidParameter, MessageTypeCheck.Tlfs,
        HvStatus.InvalidParameter, IgnoresConnectionIdHighBits: false);
}

/// <summary>A host's HvCallSignalEvent (0x5D) input checks, made in this order before the connection resolves.</summary>
/// <remarks>host-implementations.md §2.2, §4.4 (<c>kvm_hvcall_signal_event</c>), §6 (<c>hyperv_hcall_signal_event</c>),
/// §7 (OpenVMM: <c>HvSignalEvent</c> passes the id and flag; the SynIC drops what it cannot deliver).</remarks>
/// <param name="FlagNumberNonZeroStatus">Status of any non-zero flag number (bits 47:32), or null when the flag number is
/// served against the port's flags (KVM and QEMU: "we have no use for it").</param>
/// <param name="ReservedBitsStatus">Status of non-zero bits 63:48, or null when not checked.</param>
/// <param name="ConnectionIdHighBitsStatus">Status of connection id bits 31:24, or null when they make an unknown id
/// (INVALID_CONNECTION_ID).</param>
/// <param name="DropsUndeliverable">True when a flag past the port's flags, a disabled SynIC or event page or a masked SINT
/// is SUCCESS with nothing set (OpenVMM's emulated SynIC), false for the TLFS statuses.</param>
public sealed record SignalEventRules(
    HvStatus? FlagNumberNonZeroStatus, HvStatus? ReservedBitsStatus, HvStatus? ConnectionIdHighBitsStatus, bool DropsUndeliverable)
{
    /// <summary>The TLFS answers HvCall's Hyper-V gives: reserved bits 63:48 INVALID_PARAMETER, flags up to the port's count.</summary>
    public static SignalEventRules Tlfs { get; } = new(null, HvStatus.InvalidParameter, null, DropsUndeliverable: false);
}

/// <summary>
/// Where a host treats one call code differently from its profile-wide data. Every value left null is the profile's.
/// </summary>
/// <remarks>Each rule cites its line of host-implementations.md in <see cref="Source"/>.</remarks>
public sealed record HostCodeRule
{
    /// <summary>The sheet line this rule comes from.</summary>
    public required string Source { get; init; }
    /// <summary>The checks of this code in order, when they differ from <see cref="HostProfile.Checks"/>.</summary>
    public ImmutableArray<HostCheck>? Checks { get; init; }
    /// <summary>The status of <see cref="HostCheck.FastForm"/> for this code.</summary>
    public HvStatus? FastStatus { get; init; }
    /// <summary>The memory rules of this code.</summary>
    public HostMemoryRules? Memory { get; init; }
    /// <summary>The privilege the host requires for this code instead of the catalog's (<see cref="HvPartitionPrivileges.None"/>: none).</summary>
    public HvPartitionPrivileges? Privilege { get; init; }
    /// <summary>The status the host answers once its checks pass, instead of running the call.</summary>
    public HvStatus? FixedStatus { get; init; }
    /// <summary>The status of an invalid input field where the host's is not INVALID_PARAMETER (KVM's bad IPI vector: 0x3).</summary>
    public HvStatus? InputFieldStatus { get; init; }
    /// <summary>HvCallPostMessage input checks.</summary>
    public PostMessageRules? PostMessage { get; init; }
    /// <summary>HvCallSignalEvent input checks.</summary>
    public SignalEventRules? SignalEvent { get; init; }
}
