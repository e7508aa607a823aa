using System;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;
using static HvCall.Hypervisor.Tests.Profiles.ProfileNames;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// PostMessage and SignalEvent as each host checks their input: the TLFS (§2.1–§2.2), QEMU's
/// <c>hyperv_hcall_post_message</c> and VMBus handler (§6; KVM hands PostMessage to it), OpenVMM's <c>HvPostMessage</c>,
/// <c>HvSignalEvent</c> and SynIC (§7), and OpenVMM's Direct calls (VTL2 only).
/// </summary>
public sealed class MessageRuleTests
{
    [Theory] // payload size over 240: TLFS and OVMM INVALID_PARAMETER; QEMU INVALID_HYPERCALL_INPUT.
    [InlineData(Hyperv, St.InvalidParameter)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidHypercallInput)]
    [InlineData(OpenVmm, St.InvalidParameter)]
    public void Payload_over_240_bytes(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Post(payloadSize: 241).Status);
        Assert.Equal(0, rig.Sink.Messages);
    }

    [Theory] // message type on a known connection: TLFS refuses 0 and MSB-set types (0x5); QEMU's VMBus handler any type but 1 (0x3);
             // OpenVMM drops the field.
    [InlineData(Hyperv, 0u, St.InvalidParameter)]
    [InlineData(Hyperv, 0x8000_0001u, St.InvalidParameter)]
    [InlineData(Hyperv, 2u, St.Success)]
    [InlineData(Kvm, 0u, St.InvalidHypercallInput)]
    [InlineData(Kvm, 2u, St.InvalidHypercallInput)]
    [InlineData(Qemu, 2u, St.InvalidHypercallInput)]
    [InlineData(OpenVmm, 0u, St.Success)]
    [InlineData(OpenVmm, 0x8000_0001u, St.Success)]
    public void Message_type(string profile, uint type, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Post(type: type).Status);
    }

    [Theory] // reserved u32 at offset 4: TLFS (HvCall) INVALID_PARAMETER; QEMU and OpenVMM do not read it.
    [InlineData(Hyperv, St.InvalidParameter)]
    [InlineData(Kvm, St.Success)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.Success)]
    public void Reserved_field_at_offset_4(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Post(reserved: 7).Status);
    }

    [Theory] // connection id with bits 31:24 set: QEMU looks up "connection_id & 0x00ffffff"; the TLFS id is invalid (0x12).
    [InlineData(Hyperv, St.InvalidConnectionId)]
    [InlineData(Kvm, St.Success)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.InvalidConnectionId)]
    public void Connection_id_high_bits(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Post(0x0500_0000 | ProfileRig.HostMessageConnection).Status);
        Assert.Equal(expected == St.Success ? 1 : 0, rig.Sink.Messages);
    }

    [Theory] // a flag past the port's flags: TLFS INVALID_PARAMETER; OpenVMM's SynIC drops it (SUCCESS, nothing set).
    [InlineData(Hyperv, HvArchitecture.X64, St.InvalidParameter)]
    [InlineData(Hyperv, HvArchitecture.Arm64, St.InvalidParameter)]
    [InlineData(OpenVmm, HvArchitecture.X64, St.Success)]
    [InlineData(OpenVmm, HvArchitecture.Arm64, St.Success)]
    public void Flag_past_the_ports_flags(string profile, HvArchitecture arch, ushort expected)
    {
        var rig = new ProfileRig(profile, arch);
        Assert.Equal(expected, rig.Signal(ProfileRig.SynicEventConnection, flag: ProfileRig.SynicFlagCount).Status);
        Assert.False(TestMachine.EventFlag(rig.Host.VirtualProcessors[1], ProfileRig.SynicEventSint, ProfileRig.SynicFlagCount));
    }

    [Theory] // a masked SINT: TLFS "If the SINTx is masked, HvSignalEvent returns HV_STATUS_INVALID_SYNIC_STATE"; OpenVMM drops it.
    [InlineData(Hyperv, HvArchitecture.X64, St.InvalidSynicState)]
    [InlineData(Hyperv, HvArchitecture.Arm64, St.InvalidSynicState)]
    [InlineData(OpenVmm, HvArchitecture.X64, St.Success)]
    [InlineData(OpenVmm, HvArchitecture.Arm64, St.Success)]
    public void Signal_to_a_masked_sint(string profile, HvArchitecture arch, ushort expected)
    {
        var rig = new ProfileRig(profile, arch);
        var target = rig.Host.VirtualProcessors[1];
        TestMachine.WriteSynic(target, Msr.Sint(ProfileRig.SynicEventSint), RegName.Sint(ProfileRig.SynicEventSint), 0x51 | (1UL << 16));
        Assert.Equal(expected, rig.Signal(ProfileRig.SynicEventConnection, flag: 1).Status);
        Assert.Equal(0, target.InterruptsFor(ProfileRig.SynicEventSint));
    }

    [Theory] // OpenVMM (virt_whp): HvCallSignalEventDirect / HvCallPostMessageDirect from VTL0 → OPERATION_DENIED; Hyper-V serves the root.
    [InlineData(Hyperv, Code.SignalEventDirect, St.Success)]
    [InlineData(OpenVmm, Code.SignalEventDirect, St.OperationDenied)]
    [InlineData(OpenVmm, Code.PostMessageDirect, St.OperationDenied)]
    [InlineData(Kvm, Code.SignalEventDirect, St.InvalidHypercallCode)]
    public void Direct_calls_from_the_root(string profile, ushort code, ushort expected)
    {
        var rig = new ProfileRig(profile);
        var root = rig.Host.VirtualProcessors[0];
        // SignalEventDirect: partition (the host itself), VP 1, VTL 0, SINT 3, flag 2 (vmbus-datapath §7 layout, docs/machine-model.md).
        var input = new byte[code == Code.SignalEventDirect ? 16 : 280];
        BitConverter.TryWriteBytes(input.AsSpan(0, 8), rig.Host.Id);
        BitConverter.TryWriteBytes(input.AsSpan(8, 4), 1u);
        input[13] = ProfileRig.SynicEventSint;
        BitConverter.TryWriteBytes(input.AsSpan(14, 2), (ushort)2);
        Assert.Equal(expected, Cpu.Issue(root, Words.Control(code), false, input, 8).Status);
    }

    [Fact] // Privileges: OpenVMM checks none, so a guest without PostMessages still posts; the TLFS host denies it.
    public void OpenVmm_checks_no_privilege()
    {
        var none = PartitionConfiguration.GuestDefault & ~(HvPartitionPrivileges.PostMessages | HvPartitionPrivileges.SignalEvents);
        var rig = new ProfileRig(OpenVmm, privileges: none);
        Assert.Equal((St.Success, St.Success), (rig.Post().Status, rig.Signal().Status));
        var hyperv = new ProfileRig(Hyperv, privileges: none);
        Assert.Equal((St.AccessDenied, St.AccessDenied), (hyperv.Post().Status, hyperv.Signal().Status));
    }
}
