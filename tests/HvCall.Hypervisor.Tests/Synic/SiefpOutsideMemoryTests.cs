using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// An enabled SIEFP whose page frame lies outside the partition's memory (the test partitions have 1 MiB): there is no
/// event flags page to set a flag in, so HvCallSignalEvent answers INVALID_SYNIC_STATE, as for an SIEF page that is
/// disabled (hyperv-abi.md §8, host-implementations.md §2.2), sets nothing and raises no interrupt; moving the page back
/// into memory makes the same signal succeed. A SIMP outside memory likewise has no slot: a posted message stays queued
/// (host-implementations.md §2.3, as for a busy slot) until the SIMP points into memory again. The hypervisor never throws
/// on what the guest wrote (design.md "Errors"); machine-model.md "Choices" records both answers.
/// </summary>
public sealed class SiefpOutsideMemoryTests
{
    public static TheoryData<HvArchitecture, bool> ArchAndModeRows => Abis.ArchsAndModes();

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    [Theory]
    [MemberData(nameof(ArchAndModeRows))]
    public void Signal_event_to_an_siefp_outside_guest_memory_is_invalid_synic_state(HvArchitecture arch, bool fast)
    {
        var rig = new PortRig(arch);
        const ulong beyondMemory = 0x20_0000; // 2 MiB, past the 1 MiB partition
        TestMachine.WriteSynic(rig.Target, Msr.Siefp, RegName.Siefp, beyondMemory | 1);
        Assert.Equal(beyondMemory | 1, rig.Target.Synic.EventFlagsPage.Value);

        var outcome = rig.Signal(Inputs.SignalEvent(PortRig.EventConnection, 1), fast);

        Assert.Equal(St.InvalidSynicState, outcome.Status);
        Assert.Equal(0UL, outcome.Result & ~0xFFFFUL);
        Assert.Equal(rig.InterruptsBefore, rig.Target.InterruptCount);
        Assert.False(TestMachine.EventFlag(rig.Target, PortRig.EventSint, PortRig.BaseFlag + 1)); // the old page is untouched

        TestMachine.WriteSynic(rig.Target, Msr.Siefp, RegName.Siefp, TestMachine.SiefpPage(rig.Target) | 1);
        Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(PortRig.EventConnection, 1), fast).Status);
        Assert.True(TestMachine.EventFlag(rig.Target, PortRig.EventSint, PortRig.BaseFlag + 1));
        Assert.Equal(rig.InterruptsBefore + 1, rig.Target.InterruptCount);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void A_message_to_a_simp_outside_guest_memory_waits_in_the_queue(HvArchitecture arch)
    {
        var rig = new PortRig(arch);
        const ulong beyondMemory = 0x30_0000;
        TestMachine.WriteSynic(rig.Target, Msr.Simp, RegName.Simp, beyondMemory | 1);

        Assert.Equal(St.Success, rig.Post(PortRig.MessageConnection, 1, [0x42]).Status);
        Assert.Equal(1, rig.Target.Synic.QueuedMessages(PortRig.MessageSint));
        Assert.Equal(rig.InterruptsBefore, rig.Target.InterruptCount);

        TestMachine.WriteSynic(rig.Target, Msr.Simp, RegName.Simp, TestMachine.SimpPage(rig.Target) | 1);
        Assert.Equal(0, rig.Target.Synic.QueuedMessages(PortRig.MessageSint));
        var slot = TestMachine.Slot(rig.Target, PortRig.MessageSint);
        Assert.Equal((1, 0x42), (slot[0], slot[16]));
        Assert.Equal(rig.InterruptsBefore + 1, rig.Target.InterruptCount);
    }
}
