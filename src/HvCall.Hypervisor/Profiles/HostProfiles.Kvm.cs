using System.Collections.Immutable;
using HvCall.Abi;
using static HvCall.Abi.HvStatus;

namespace HvCall.Hypervisor.Profiles;

public static partial class HostProfiles
{
    /// <summary>KVM's <c>HV_HYPERCALL_RSVD_MASK</c>: bits 31:27, 47:44 and 63:60 (host-implementations.md §1.1), bit 31 included.</summary>
    public const ulong KvmReservedMask = 0xF000_F000_F800_0000;

    /// <summary>
    /// Linux KVM's <c>kvm_hv_hypercall</c>, with QEMU as the VMM it hands calls to: privileges checked first and only
    /// with <see cref="HostProfile.EnforceCpuid"/> on, then the reserved mask with bit 31 (INVALID_HYPERCALL_INPUT), then
    /// the per-code switch (unknown: INVALID_HYPERCALL_CODE; rep or variable header where the code takes none: 0x3; a
    /// rep call starting past rep 0: 0x3; every rep done in one execution). Flushes, IPIs and spin waits run in the
    /// kernel (input read with <c>kvm_read_guest</c>: no alignment or page check, failure 0x3); SignalEvent reads its
    /// slow input with alignment and page checks (0x4), refuses a non-zero flag number (INVALID_PORT_ID) and other bits
    /// outside the connection id (0x3); PostMessage and the extended calls (fast: INVALID_PARAMETER) go to the VMM.
    /// x64 only. A nested root's PostMessage and SignalEvent reach it with bit 31 and fail with 0x3.
    /// </summary>
    /// <remarks>host-implementations.md §1.9 (KVM column), §3 (KVM's handler rejects the nested bit), §4.1-§4.5, §5;
    /// Linux arch/x86/kvm/hyperv.c (<c>kvm_hv_hypercall</c>, <c>hv_check_hypercall_access</c>,
    /// <c>kvm_hvcall_signal_event</c>), include/hyperv/hvgdk_mini.h (<c>HV_HYPERCALL_RSVD_MASK</c>); the VMM half: §6.</remarks>
    public static HostProfile Kvm { get; }

    /// <summary>
    /// <see cref="Kvm"/> with the out-of-tree nested-VMBus relay: a forwarded call with bit 31 and code 0x5C or 0x5D stays
    /// in L0 with the bit cleared and is handled (SignalEvent) or handed to the VMM (PostMessage) as a plain call; any
    /// other code keeps the bit and gets KVM's reserved-bit answer. The L2-to-L1 GPA translation of the patch is the
    /// identity here (the nested root's GPAs are the L1 VM's), and L1's authorization of direct hypercalls is assumed.
    /// </summary>
    /// <remarks>host-implementations.md §3 (out-of-tree "nested-vmbus relay" KVM patch, <c>kvm_patch_apply_cap.sh</c>,
    /// <c>KVM_CAP_NESTED_VMBUS_RELAY 0x4f564d52</c>, used with OpenVMM); openvmm-notes.md §3.3 (PR #3721).</remarks>
    public static HostProfile KvmRelay { get; }

    /// <summary>
    /// QEMU's half under KVM (<c>kvm_hv_handle_exit</c>), for the calls it handles: PostMessage (fast:
    /// INVALID_HYPERCALL_CODE; GPA aligned to 4 or INVALID_ALIGNMENT; 256 bytes it cannot map: INSUFFICIENT_MEMORY;
    /// payload over 240: INVALID_HYPERCALL_INPUT; the connection id masked to 24 bits; unknown: INVALID_CONNECTION_ID; the
    /// VMBus handler refuses a message type other than 1 with 0x3 and a full queue with INSUFFICIENT_BUFFERS),
    /// SignalEvent (slow: 8-aligned; a non-zero flag number INVALID_PORT_ID; other bits outside the id 0x3), and the
    /// debug calls; every other code INVALID_HYPERCALL_CODE. No reserved-bit, rep or privilege checks (KVM makes them
    /// before QEMU sees a call; standing alone here, QEMU ignores what it does not decode). x64 only.
    /// </summary>
    /// <remarks>host-implementations.md §1.9 (QEMU column), §6; QEMU target/i386/kvm/hyperv.c (<c>kvm_hv_handle_exit</c>),
    /// hw/hyperv/hyperv.c (<c>hyperv_hcall_post_message</c>, <c>hyperv_hcall_signal_event</c>), hw/hyperv/vmbus.c
    /// (<c>vmbus_recv_message</c>).</remarks>
    public static HostProfile Qemu { get; }

    // §4.4 / §6: KVM and QEMU answer SignalEvent alike: flag number (bits 47:32) non-zero → INVALID_PORT_ID, then any
    // other bit outside KVM_HYPERV_CONN_ID_MASK 0x00ffffff → INVALID_HYPERCALL_INPUT, then the lookup.
    private static SignalEventRules KvmSignalEvent => new(InvalidPortId, InvalidHypercallInput, InvalidHypercallInput, DropsUndeliverable: false);

    private static PostMessageRules QemuPostMessage => new(null, InvalidHypercallInput, MessageTypeCheck.VmBusOnly, InvalidHypercallInput,
        IgnoresConnectionIdHighBits: true);

    private static HostProfile BuildQemu() => new()
    {
        Name = "qemu",
        Description = "QEMU's userspace half under KVM (kvm_hv_handle_exit), for the calls it handles",
        Source = "host-implementations.md §1.9 (QEMU column), §6; QEMU target/i386/kvm/hyperv.c kvm_hv_handle_exit, " +
            "hw/hyperv/hyperv.c hyperv_hcall_post_message / hyperv_hcall_signal_event, hw/hyperv/vmbus.c vmbus_recv_message",
        Architectures = [HvArchitecture.X64],
        Checks = [HostCheck.KnownCode, HostCheck.FastForm, HostCheck.Simulated, HostCheck.Memory],
        ReservedMask = null,
        ForwardedNestedBit = ForwardedNestedBit.Accepted,
        PrivilegeEnforcement = PrivilegeEnforcement.Never,
        FastWithoutFastFormStatus = InvalidHypercallCode,
        // §1.9: GPA outside RAM → 0xB (the PostMessage map); SignalEvent's ldq_phys reports no error, so the same status.
        Memory = new HostMemoryRules(8, InvalidAlignment, null, InsufficientMemory, null),
        ImplementedCodes = [HvCallCode.PostMessage, HvCallCode.SignalEvent, HvCallCode.PostDebugData, HvCallCode.RetrieveDebugData, HvCallCode.ResetDebugSession],
        CodeRules = ImmutableDictionary<HvCallCode, HostCodeRule>.Empty.Add(HvCallCode.PostMessage, new HostCodeRule
        {
            Source = "§6 hyperv_hcall_post_message: GPA not aligned to the struct's alignment (4) → INVALID_ALIGNMENT; can't map 256 bytes → INSUFFICIENT_MEMORY",
            Memory = new HostMemoryRules(4, InvalidAlignment, null, InsufficientMemory, null),
        }),
        PostMessage = QemuPostMessage,
        SignalEvent = KvmSignalEvent,
    };

    private static HostProfile BuildKvm(HostProfile qemu)
    {
        ImmutableArray<HostCheck> toVmm = [HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode, HostCheck.FastForm, HostCheck.HandToVmm];
        var rules = ImmutableDictionary.CreateBuilder<HvCallCode, HostCodeRule>();
        rules.Add(HvCallCode.PostMessage, new HostCodeRule
        {
            Source = "§4.4 0x005C: rep or var_cnt → 0x3 (the SynIC is taken as active, as VMBus needs); else exit to userspace (§4.5), answered as QEMU does (§6)",
            Checks = [HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode, HostCheck.RepFields, HostCheck.VariableHeader, HostCheck.HandToVmm],
        });
        rules.Add(HvCallCode.SignalEvent, new HostCodeRule
        {
            Source = "§4.4 kvm_hvcall_signal_event: slow GPA not 8-aligned or crossing a page → INVALID_ALIGNMENT; read failure → INVALID_ALIGNMENT",
            Memory = new HostMemoryRules(8, InvalidAlignment, InvalidAlignment, InvalidAlignment, null),
        });
        rules.Add(HvCallCode.SendSyntheticClusterIpi, new HostCodeRule
        {
            Source = "§4.4 Send IPI: vector outside [HV_IPI_LOW_VECTOR 0x10, HV_IPI_HIGH_VECTOR 0xff] → INVALID_HYPERCALL_INPUT; fast: " +
                "bits 63:32 of the first qword (the reserved/VTL field) ≠ 0 → INVALID_HYPERCALL_INPUT (HvCall also refuses it slow)",
            InputFieldStatus = InvalidHypercallInput,
        });
        foreach (var code in (HvCallCode[])[HvCallCode.PostDebugData, HvCallCode.RetrieveDebugData])
        {
            rules.Add(code, new HostCodeRule
            {
                Source = "§4.4 0x0069/0x006A: fast → INVALID_PARAMETER; then as 0x006B (SynDBG disabled → 0x2); §4.3: no access check while SynDBG is disabled",
                Checks = [HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode, HostCheck.FastForm, HostCheck.Simulated],
                FastStatus = InvalidParameter,
                Privilege = HvPartitionPrivileges.None,
            });
        }
        rules.Add(HvCallCode.ResetDebugSession, new HostCodeRule
        {
            Source = "§4.4 0x006B: SynDBG disabled → INVALID_HYPERCALL_CODE; §4.3: no access check while SynDBG is disabled",
            Checks = [HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode, HostCheck.Simulated],
            Privilege = HvPartitionPrivileges.None,
        });
        var extended = ImmutableArray.CreateBuilder<HvCallCode>();
        for (var i = 0; i < Abi.Catalog.HypercallCatalog.ExtendedCodeCount; i++)
        {
            var code = new HvCallCode((ushort)(HvCallCode.FirstExtended + i));
            extended.Add(code);
            rules.Add(code, new HostCodeRule
            {
                Source = "§4.4 0x8001..0x8041 extended: fast → INVALID_PARAMETER; else userspace (§4.5), where QEMU's switch answers INVALID_HYPERCALL_CODE (§6)",
                Checks = toVmm,
                FastStatus = InvalidParameter,
            });
        }
        return new HostProfile
        {
            Name = "kvm",
            Description = "Linux KVM's kvm_hv_hypercall, with QEMU as its VMM",
            Source = "host-implementations.md §1.9 (KVM column), §3, §4.1-§4.5, §5; Linux arch/x86/kvm/hyperv.c kvm_hv_hypercall, " +
                "hv_check_hypercall_access, kvm_hvcall_signal_event; include/hyperv/hvgdk_mini.h HV_HYPERCALL_RSVD_MASK; " +
                "calls handed to userspace: QEMU (§6)",
            Architectures = [HvArchitecture.X64],
            Checks =
            [
                HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode, HostCheck.Simulated, HostCheck.RepFields,
                HostCheck.VariableHeader, HostCheck.FastForm, HostCheck.FastSize, HostCheck.Memory,
            ],
            ReservedMask = KvmReservedMask,
            ForwardedNestedBit = ForwardedNestedBit.Reserved,
            PrivilegeEnforcement = PrivilegeEnforcement.WhenEnforceCpuid,
            FastWithoutFastFormStatus = InvalidParameter,
            // §4.4 Flush / Send IPI: slow input read with kvm_read_guest: no alignment or page check; failure → 0x3.
            Memory = new HostMemoryRules(1, InvalidAlignment, null, InvalidHypercallInput, null),
            RepStartMustBeZero = true,
            SlicesRepCalls = false,
            ImplementedCodes =
            [
                HvCallCode.FlushVirtualAddressSpace, HvCallCode.FlushVirtualAddressList, HvCallCode.NotifyLongSpinWait,
                HvCallCode.SendSyntheticClusterIpi, HvCallCode.FlushVirtualAddressSpaceEx, HvCallCode.FlushVirtualAddressListEx,
                HvCallCode.SendSyntheticClusterIpiEx, HvCallCode.PostMessage, HvCallCode.SignalEvent, HvCallCode.PostDebugData,
                HvCallCode.RetrieveDebugData, HvCallCode.ResetDebugSession, .. extended,
            ],
            CodeRules = rules.ToImmutable(),
            PostMessage = QemuPostMessage,
            SignalEvent = KvmSignalEvent,
            Vmm = qemu,
        };
    }

    private static HostProfile BuildKvmRelay(HostProfile kvm) => kvm with
    {
        Name = "kvm-relay",
        Description = "Linux KVM with the nested-VMBus relay: a forwarded 0x5C/0x5D with bit 31 stays in L0, bit cleared",
        Source = "host-implementations.md §3 (out-of-tree nested-vmbus relay KVM patch, kvm_patch_apply_cap.sh, " +
            "KVM_CAP_NESTED_VMBUS_RELAY 0x4f564d52, used with OpenVMM); openvmm-notes.md §3.3 (PR #3721); otherwise as kvm: " + kvm.Source,
        ForwardedNestedBit = ForwardedNestedBit.Relayed,
        RelayedCodes = [HvCallCode.PostMessage, HvCallCode.SignalEvent],
    };
}
