using System;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using HvCall.Abi;
using static HvCall.Abi.HvStatus;

namespace HvCall.Hypervisor.Profiles;

/// <summary>
/// The named host profiles: <c>hyperv</c> (the default), <c>kvm</c>, <c>kvm-relay</c>, <c>qemu</c> and <c>openvmm</c>.
/// Each cites its sources; host-implementations.md §1.9 is the table they follow row by row.
/// </summary>
/// <remarks>
/// Where a sheet is silent on a detail a profile needs, the profile keeps the TLFS answer HvCall's Hyper-V gives and its
/// <see cref="HostProfile.Source"/> or rule says so. What no profile models: XMM fast input availability (#UD, §1.9),
/// KVM's "SynIC not active" (the profiles assume the VMM activated it, as VMBus needs), hypercalls before the guest OS id
/// is set (#UD on every profile; KVM would run its own hypercall ABI), and OpenVMM's per-call field checks beyond
/// PostMessage and SignalEvent.
/// </remarks>
public static partial class HostProfiles
{
    /// <summary>TLFS RsvdZ bits 30:27, 47:44 and 63:60 (host-implementations.md §1.1).</summary>
    public const ulong TlfsReservedMask = 0xF000_F000_7800_0000;

    /// <summary>
    /// Microsoft Hyper-V as HvCall simulates it: every check of the TLFS, in the order docs/machine-model.md gives
    /// ("Choices the TLFS leaves open"), privileges always enforced, bit 31 meaningful only when forwarded by a child
    /// Microsoft hypervisor from its root (then cleared and dispatched), and forwarded by this host when it runs inside a
    /// VM. The default profile; it is the behaviour HvCall had before profiles existed, byte for byte.
    /// </summary>
    /// <remarks>host-implementations.md §1.1–§1.9 (TLFS column), §2.1–§2.2, §3, §9; TLFS hypercall-interface.md,
    /// inter-partition-communication.md, nested-virtualization.md.</remarks>
    public static HostProfile Hyperv { get; }

    private static HostProfile BuildHyperv() => new()
    {
        Name = "hyperv",
        Description = "Microsoft Hyper-V (TLFS), as HvCall simulates it",
        Source = "host-implementations.md §1.1-§1.9 (TLFS column), §2.1-§2.2, §3, §9; TLFS hypercall-interface.md, " +
            "inter-partition-communication.md, nested-virtualization.md; HvCall's answers where the TLFS is open: docs/machine-model.md",
        Checks =
        [
            HostCheck.NestedBit, HostCheck.KnownCode, HostCheck.Privilege, HostCheck.Simulated, HostCheck.ReservedBits,
            HostCheck.RepFields, HostCheck.VariableHeader, HostCheck.FastForm, HostCheck.FastSize, HostCheck.Memory,
        ],
        ReservedMask = TlfsReservedMask,
        ForwardedNestedBit = ForwardedNestedBit.Accepted,
        ForwardsNestedCalls = true,
        PrivilegeEnforcement = PrivilegeEnforcement.Always,
        FastWithoutFastFormStatus = InvalidHypercallInput,
        Memory = new HostMemoryRules(8, InvalidAlignment, InvalidAlignment, InvalidAlignment, InvalidAlignment),
    };

    /// <summary>
    /// OpenVMM's dispatcher (<c>hv1_hypercall::Dispatcher</c>, with the call list of its WHP back end): code lookup,
    /// control shape, fast sizing by the register block alone, then each buffer's page straddle (INVALID_HYPERCALL_INPUT)
    /// before its alignment (INVALID_ALIGNMENT); reserved control bits and the nested bit are not checked; no privileges;
    /// a guest-memory access failure is INVALID_HYPERCALL_INPUT. PostMessage checks only the payload size (over 240:
    /// INVALID_PARAMETER) and drops the message type; SignalEvent passes the connection id and flag, and the SynIC drops
    /// what it cannot deliver. The Direct calls answer OPERATION_DENIED to a caller outside VTL2.
    /// </summary>
    /// <remarks>host-implementations.md §1.9 (OVMM column), §7; openvmm-notes.md §2.2, §3.1-§3.2; OpenVMM
    /// vm/hv1/hv1_hypercall/src/support.rs (<c>check_buffer</c>), imp.rs (<c>HvPostMessage</c>, <c>HvSignalEvent</c>),
    /// vmm_core/virt/src/synic.rs (<c>SynicPortMap</c>), vm/hv1/hv1_emulator/src/synic.rs (<c>signal_event</c>),
    /// vmm_core/virt_whp/src/hypercalls.rs (<c>DISPATCHER</c>, <c>post_message_direct</c>, <c>signal_event_direct</c>).</remarks>
    public static HostProfile OpenVmm { get; }

    private static HostProfile BuildOpenVmm() => new()
    {
        Name = "openvmm",
        Description = "Microsoft OpenVMM's hv1_hypercall dispatcher (WHP back end's call list)",
        Source = "host-implementations.md §1.9 (OVMM column), §7; openvmm-notes.md §2.2, §3.1-§3.2; OpenVMM " +
            "vm/hv1/hv1_hypercall/src/support.rs (InnerDispatcher::dispatch_inner, check_buffer), imp.rs (HvPostMessage, HvSignalEvent), " +
            "vmm_core/virt/src/synic.rs (SynicPortMap), vm/hv1/hv1_emulator/src/synic.rs (signal_event), " +
            "vmm_core/virt_whp/src/hypercalls.rs (DISPATCHER)",
        Checks =
        [
            HostCheck.KnownCode, HostCheck.Simulated, HostCheck.RepFields, HostCheck.VariableHeader, HostCheck.FastSize, HostCheck.Memory,
        ],
        ReservedMask = null,
        ForwardedNestedBit = ForwardedNestedBit.Accepted,
        PrivilegeEnforcement = PrivilegeEnforcement.Never,
        FastWithoutFastFormStatus = null,
        Memory = new HostMemoryRules(8, InvalidAlignment, InvalidHypercallInput, InvalidHypercallInput, null) { StraddleFirst = true },
        ImplementedCodes =
        [
            HvCallCode.ModifyVtlProtectionMask, HvCallCode.EnableVpVtl, HvCallCode.VtlReturn, HvCallCode.InstallIntercept,
            HvCallCode.GetVpRegisters, HvCallCode.SetVpRegisters, HvCallCode.TranslateVirtualAddress, HvCallCode.PostMessage,
            HvCallCode.SignalEvent, HvCallCode.RetargetDeviceInterrupt, HvCallCode.AssertVirtualInterrupt,
            HvCallCode.StartVirtualProcessor, HvCallCode.GetVpIndexFromApicId, HvCallCode.SignalEventDirect,
            HvCallCode.PostMessageDirect, HvCallCode.ModifySparseGpaPageHostVisibility, HvCallCode.MmioRead, HvCallCode.MmioWrite,
        ],
        CodeRules = ImmutableDictionary<HvCallCode, HostCodeRule>.Empty
            .Add(HvCallCode.SignalEventDirect, VtlTwoOnly)
            .Add(HvCallCode.PostMessageDirect, VtlTwoOnly),
        PostMessage = new PostMessageRules(null, InvalidParameter, MessageTypeCheck.NotChecked, InvalidParameter, IgnoresConnectionIdHighBits: false),
        SignalEvent = new SignalEventRules(null, null, null, DropsUndeliverable: true),
    };

    private static HostCodeRule VtlTwoOnly { get; } = new()
    {
        Source = "vmm_core/virt_whp/src/hypercalls.rs post_message_direct / signal_event_direct: active VTL other than VTL2 → " +
            "OPERATION_DENIED (docs/machine-model.md, Direct-call privilege row); the VTL0 caller's input is not checked further",
        FixedStatus = OperationDenied,
    };

    // One constructor builds them in dependency order (kvm hands calls to qemu, kvm-relay is kvm plus the relay), which
    // initializers spread over the partial class's files would not guarantee.
    static HostProfiles()
    {
        Hyperv = BuildHyperv();
        Qemu = BuildQemu();
        Kvm = BuildKvm(Qemu);
        KvmRelay = BuildKvmRelay(Kvm);
        OpenVmm = BuildOpenVmm();
        All = [Hyperv, Kvm, KvmRelay, Qemu, OpenVmm];
        NameList = string.Join(", ", System.Linq.Enumerable.Select(All, static p => p.Name));
        foreach (var profile in All)
            profile.ThrowIfInconsistent();
    }

    /// <summary>Every named profile: hyperv, kvm, kvm-relay, qemu, openvmm.</summary>
    public static ImmutableArray<HostProfile> All { get; }

    /// <summary>The names, comma separated, for messages: "hyperv, kvm, kvm-relay, qemu, openvmm".</summary>
    public static string NameList { get; }

    /// <summary>Finds a named profile, case-insensitively.</summary>
    /// <param name="name">The name.</param>
    /// <param name="profile">The profile, when found.</param>
    public static bool TryGet(string? name, [NotNullWhen(true)] out HostProfile? profile)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                profile = candidate;
                return true;
            }
        }
        profile = null;
        return false;
    }

    /// <summary>A named profile.</summary>
    /// <param name="name">The name, case-insensitive.</param>
    /// <exception cref="ArgumentException">No profile has that name (the message lists the names).</exception>
    public static HostProfile Get(string name) =>
        TryGet(name, out var profile) ? profile : throw new ArgumentException(UnknownName(name), nameof(name));

    /// <summary>The one-line message for a name no profile has.</summary>
    /// <param name="name">The name given.</param>
    public static string UnknownName(string? name) => $"unknown host profile '{name}' (profiles: {NameList}).";
}
