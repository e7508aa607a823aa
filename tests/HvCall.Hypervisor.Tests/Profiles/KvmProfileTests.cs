using System;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;
using static HvCall.Hypervisor.Tests.Profiles.ProfileNames;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// The kvm profile: privilege enforcement on and off (KVM_CAP_HYPERV_ENFORCE_CPUID), the hyperv_features.c stages
/// (host-implementations.md §5) that the profile models, and KVM's per-code handling (§4.4): rep calls done in one
/// execution and never started past rep 0, SignalEvent's flag number and connection id, a bad IPI vector.
/// </summary>
public sealed class KvmProfileTests
{
    private const HvPartitionPrivileges All = PartitionConfiguration.GuestDefault;

    private static byte[] Ipi(uint vector, ulong mask)
    {
        var input = new byte[16];
        BitConverter.TryWriteBytes(input.AsSpan(0, 4), vector);
        BitConverter.TryWriteBytes(input.AsSpan(8, 8), mask);
        return input;
    }

    [Theory] // §5 guest_test_hcalls_access, KVM_CAP_HYPERV_ENFORCE_CPUID = 1; stages whose outcome does not need an inactive SynIC
             // (stages 2, 4) or the TLB-flush and IPI recommendations (8, 10, 12, 15) the simulation does not model.
    [InlineData("stage 00 0xbeef", 0xBEEFUL, false, St.InvalidHypercallCode)]
    [InlineData("stage 01 PostMessage without HV_POST_MESSAGES", 0x5CUL, false, St.AccessDenied)]
    [InlineData("stage 03 SignalEvent without HV_SIGNAL_EVENTS", 0x5DUL, true, St.AccessDenied)]
    [InlineData("stage 05 ResetDebugSession, SynDBG disabled", 0x6BUL, false, St.InvalidHypercallCode)]
    [InlineData("stage 19 0x8001 without ENABLE_EXTENDED_HYPERCALLS", 0x8001UL, false, St.AccessDenied)]
    public void Hyperv_features_stage_without_the_privilege(string stage, ulong control, bool fast, ushort expected)
    {
        var rig = new ProfileRig(Kvm, privileges: All & ~(HvPartitionPrivileges.PostMessages | HvPartitionPrivileges.SignalEvents |
            HvPartitionPrivileges.EnableExtendedHypercalls | HvPartitionPrivileges.Debugging), enforceCpuid: true);
        var outcome = rig.Issue(control, fast, new byte[fast ? 8 : 256]);
        Assert.True(expected == outcome.Status, $"{stage}: 0x{outcome.Status:X}");
    }

    [Fact] // stage 20: 0x8001 | FAST with ENABLE_EXTENDED_HYPERCALLS → INVALID_PARAMETER.
    public void Stage_20_fast_extended_call_is_invalid_parameter()
    {
        var rig = new ProfileRig(Kvm, enforceCpuid: true);
        Assert.Equal(St.InvalidParameter, rig.Issue(Words.Control(Code.ExtQueryCapabilities, fast: true), true, []).Status);
    }

    [Fact] // stages 9, 13, 16, 18: flush slow and fast SUCCESS, IPI vector 0 INVALID_HYPERCALL_INPUT, spin wait SUCCESS.
    public void Kernel_calls_of_the_stages()
    {
        var rig = new ProfileRig(Kvm, enforceCpuid: true);
        Assert.Equal(St.Success, rig.Issue(Words.Control(Code.FlushVirtualAddressSpace), false, new byte[24]).Status);
        Assert.Equal(St.Success, rig.Issue(Words.Control(Code.FlushVirtualAddressSpace), true, new byte[24]).Status);
        Assert.Equal(St.InvalidHypercallInput, rig.Issue(Words.Control(Code.SendSyntheticClusterIpi), false, Ipi(0, 1)).Status);
        Assert.Equal(St.Success, rig.Issue(Words.Control(Code.NotifyLongSpinWait), true, new byte[8]).Status);
        Assert.Equal((2, 0, 1), (rig.Hv.Record.Flushes.Count, rig.Hv.Record.IpisDelivered, rig.Hv.Record.LongSpinWaits));
    }

    [Theory] // §4.4: "vector outside [0x10, 0xff] → 0x3"; the TLFS profile answers INVALID_PARAMETER (docs/machine-model.md).
    [InlineData(Kvm, 0x0Fu, St.InvalidHypercallInput)]
    [InlineData(Kvm, 0x100u, St.InvalidHypercallInput)]
    [InlineData(Kvm, 0x30u, St.Success)]
    [InlineData(Hyperv, 0x0Fu, St.InvalidParameter)]
    public void Ipi_vector_range(string profile, uint vector, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(Code.SendSyntheticClusterIpi), true, Ipi(vector, 1)).Status);
    }

    [Theory] // ENFORCE_CPUID off (KVM's default): no access check at all.
    [InlineData(Code.PostMessage, false)]
    [InlineData(Code.SignalEvent, true)]
    public void Without_enforce_cpuid_privileges_are_not_checked(ushort code, bool fast)
    {
        var none = All & ~(HvPartitionPrivileges.PostMessages | HvPartitionPrivileges.SignalEvents);
        var rig = new ProfileRig(Kvm, privileges: none);
        var input = code == Code.PostMessage
            ? Inputs.PostMessage(ProfileRig.HostMessageConnection, 1, new byte[8])
            : Inputs.Qword(Inputs.SignalEvent(ProfileRig.HostEventConnection, 0));
        Assert.Equal(St.Success, rig.Issue(Words.Control(code), fast, input).Status);
        Assert.Equal(St.AccessDenied, new ProfileRig(Kvm, privileges: none, enforceCpuid: true).Issue(Words.Control(code), fast, input).Status);
    }

    [Fact] // §4.4 FlushVirtualAddressList: "rep_cnt == 0 or rep_idx ≠ 0 → 0x3"; the TLFS host continues from rep 2.
    public void Rep_start_past_zero_is_refused_by_kvm_and_continued_by_hyperv()
    {
        var control = Words.Control(Code.FlushVirtualAddressList, repCount: 5, repStart: 2);
        var input = new byte[24 + 5 * 8];
        Assert.Equal(St.InvalidHypercallInput, new ProfileRig(Kvm).Issue(control, false, input).Status);
        var hyperv = new ProfileRig(Hyperv).Issue(control, false, input);
        Assert.Equal((St.Success, 5), (hyperv.Status, hyperv.Reps));
    }

    [Fact] // §4.4 "We always do full TLB flush, set 'Reps completed' = 'Rep Count'": one execution, where Hyper-V time-slices (16 reps).
    public void Kvm_completes_every_rep_in_one_execution()
    {
        var control = Words.Control(Code.FlushVirtualAddressList, repCount: 40);
        var input = new byte[24 + 40 * 8];
        var kvm = new ProfileRig(Kvm);
        var first = kvm.Issue(control, false, input);
        Assert.Equal((HypercallExitKind.Completed, St.Success, 40), (first.Exit.Kind, first.Status, first.Reps));

        var hyperv = new ProfileRig(Hyperv);
        var start = hyperv.Issue(control, false, input);
        Assert.Equal(HypercallExitKind.Continue, start.Exit.Kind);
        var (last, executions, _) = Cpu.RunToCompletion(hyperv.Vp, start.Exit);
        Assert.Equal((HypercallExitKind.Completed, 3), (last.Kind, executions));
    }

    [Theory] // §4.4 kvm_hvcall_signal_event and §6 hyperv_hcall_signal_event: flag number ≠ 0 → INVALID_PORT_ID; other bits outside
             // 0x00ffffff → INVALID_HYPERCALL_INPUT. Hyper-V: flag within the port's flags is served; reserved 63:48 → 0x5; id bits 31:24 → 0x12.
    [InlineData(Kvm, 1, 0, 0u, St.InvalidPortId)]
    [InlineData(Qemu, 1, 0, 0u, St.InvalidPortId)]
    [InlineData(Hyperv, 1, 0, 0u, St.Success)]
    [InlineData(Kvm, 0, 1, 0u, St.InvalidHypercallInput)]
    [InlineData(Qemu, 0, 1, 0u, St.InvalidHypercallInput)]
    [InlineData(Hyperv, 0, 1, 0u, St.InvalidParameter)]
    [InlineData(Kvm, 0, 0, 0x0100_0000u, St.InvalidHypercallInput)]
    [InlineData(Hyperv, 0, 0, 0x0100_0000u, St.InvalidConnectionId)]
    public void Signal_event_flag_number_and_reserved_bits(string profile, int flag, int reserved, uint highBits, ushort expected)
    {
        var rig = new ProfileRig(profile);
        var outcome = rig.Signal(ProfileRig.SynicEventConnection | highBits, (ushort)flag, (ushort)reserved);
        Assert.Equal(expected, outcome.Status);
        Assert.Equal(expected == St.Success, TestMachine.EventFlag(rig.Host.VirtualProcessors[1], ProfileRig.SynicEventSint, flag));
    }

    [Fact] // The kvm profile's code set (§4.4): calls KVM has no case for are INVALID_HYPERCALL_CODE, whatever the catalog holds.
    public void Calls_outside_kvms_switch_are_invalid_hypercall_code()
    {
        var rig = new ProfileRig(Kvm);
        foreach (var code in new[] { Code.GetPartitionId, Code.SetVpRegisters, Code.CreatePort, Code.SignalEventDirect })
            Assert.Equal(St.InvalidHypercallCode, rig.Issue(Words.Control(code), false, new byte[64], 8).Status);
    }
}
