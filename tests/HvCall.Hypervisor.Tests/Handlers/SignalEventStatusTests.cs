using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>A SignalEvent case: an optional change to the rig, the 8-byte input, the status and the flag it must set.</summary>
internal sealed record SignalCase(Action<PortRig> Arrange, ulong Input, ushort Expected, int FlagSet = -1) : IAbiCase
{
    public bool Fast => true;
    public bool Slow => true;
}

/// <summary>
/// Every status HvCallSignalEvent may return (facts §8, TLFS HvCallSignalEvent), fast (RDX / X2) and slow
/// (8 bytes in memory) on both architectures. Success sets bit (base flag + flag number) of the port's SINT
/// area in the SIEFP page and raises the SINT interrupt only when the bit was newly set.
/// </summary>
public sealed class SignalEventStatusTests
{
    private const uint Conn = PortRig.EventConnection;

    private static void Nothing(PortRig rig) { }

    internal static readonly Dictionary<string, SignalCase> Cases = new()
    {
        ["success flag 0"] = new(Nothing, Inputs.SignalEvent(Conn, 0), St.Success, PortRig.BaseFlag),
        ["success last flag of the port"] = new(Nothing, Inputs.SignalEvent(Conn, PortRig.FlagCount - 1), St.Success, PortRig.BaseFlag + PortRig.FlagCount - 1),
        ["no SignalEvents privilege"] = new(r => r.Guest.Privileges &= ~HvPartitionPrivileges.SignalEvents, Inputs.SignalEvent(Conn, 0), St.AccessDenied),
        ["unknown connection id"] = new(Nothing, Inputs.SignalEvent(0x2099, 0), St.InvalidConnectionId),
        ["connection id 0"] = new(Nothing, Inputs.SignalEvent(0, 0), St.InvalidConnectionId),
        ["connection id with reserved high 8 bits"] = new(Nothing, Inputs.SignalEvent(0x8000_0000 | Conn, 0), St.InvalidConnectionId),
        ["port deleted"] = new(r => Assert.Equal(HvStatus.Success, r.Hv.DeletePort(r.Host, PortRig.EventPortId)), Inputs.SignalEvent(Conn, 0), St.InvalidPortId),
        ["connection to a message port"] = new(Nothing, Inputs.SignalEvent(PortRig.MessageConnection, 0), St.InvalidPortId),
        ["flag number equal to the port flag count"] = new(Nothing, Inputs.SignalEvent(Conn, PortRig.FlagCount), St.InvalidParameter),
        ["flag number 0xFFFF"] = new(Nothing, Inputs.SignalEvent(Conn, 0xFFFF), St.InvalidParameter),
        ["reserved bits 63:48 = 1"] = new(Nothing, Inputs.SignalEvent(Conn, 0, reserved: 1), St.InvalidParameter),
        ["reserved bit 63"] = new(Nothing, Inputs.SignalEvent(Conn, 0, reserved: 0x8000), St.InvalidParameter),
        ["target SynIC disabled"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Scontrol, RegName.Scontrol, 0), Inputs.SignalEvent(Conn, 0), St.InvalidSynicState),
        ["target event flags page disabled"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Siefp, RegName.Siefp, TestMachine.SiefpPage(r.Target)), Inputs.SignalEvent(Conn, 0), St.InvalidSynicState),
        ["target SINT masked"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Sint(PortRig.EventSint), RegName.Sint(PortRig.EventSint), PortRig.EventVector | (1UL << 16)),
            Inputs.SignalEvent(Conn, 0), St.InvalidSynicState),
        ["order: unknown connection before bad flag"] = new(Nothing, Inputs.SignalEvent(0x2099, 0xFFFF), St.InvalidConnectionId),
        ["order: message port before bad flag"] = new(Nothing, Inputs.SignalEvent(PortRig.MessageConnection, 0xFFFF), St.InvalidPortId),
        ["order: bad flag before masked SINT"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Sint(PortRig.EventSint), RegName.Sint(PortRig.EventSint), 1UL << 16),
            Inputs.SignalEvent(Conn, PortRig.FlagCount), St.InvalidParameter),
    };

    public static TheoryData<string, HvArchitecture, bool> Rows => Abis.Cases(Cases);

    [Theory]
    [MemberData(nameof(Rows))]
    public void SignalEvent_case_returns_the_documented_status_and_sets_only_its_flag(string name, HvArchitecture arch, bool fast)
    {
        var c = Cases[name];
        var rig = new PortRig(arch);
        c.Arrange(rig);

        var outcome = rig.Signal(c.Input, fast);

        Assert.Equal(c.Expected, outcome.Status);
        for (var sint = 0; sint < 16; sint++)
            for (var flag = 0; flag < 64; flag++)
                Assert.Equal(sint == PortRig.EventSint && flag == c.FlagSet, TestMachine.EventFlag(rig.Target, sint, flag));
        Assert.Equal(c.Expected == St.Success ? 1 : 0, rig.Target.InterruptsFor(PortRig.EventSint));
        if (c.Expected == St.Success)
            Assert.Equal(PortRig.EventVector, rig.Target.LastInterruptVector);
    }

    [Theory]
    [MemberData(nameof(ModeRows))]
    public void Second_signal_of_a_set_flag_succeeds_without_a_new_interrupt_and_a_cleared_flag_interrupts_again(HvArchitecture arch, bool fast)
    {
        var rig = new PortRig(arch);

        Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(Conn, 2), fast).Status);
        Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(Conn, 2), fast).Status);
        Assert.Equal(1, rig.Target.InterruptsFor(PortRig.EventSint));

        Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(Conn, 3), fast).Status);
        Assert.Equal(2, rig.Target.InterruptsFor(PortRig.EventSint));

        // The guest consumes flag 10 (base 8 + 2) by clearing its bit; the next signal is new again.
        var gpa = TestMachine.SiefpPage(rig.Target) + (ulong)(PortRig.EventSint * 256 + 1);
        var b = TestMachine.Read(rig.Target, gpa, 1);
        b[0] &= unchecked((byte)~(1 << 2));
        Assert.True(rig.Target.Partition.Memory.TryWrite(gpa, b));
        Assert.False(TestMachine.EventFlag(rig.Target, PortRig.EventSint, 10));
        Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(Conn, 2), fast).Status);
        Assert.True(TestMachine.EventFlag(rig.Target, PortRig.EventSint, 10));
        Assert.True(TestMachine.EventFlag(rig.Target, PortRig.EventSint, 11));
        Assert.Equal(3, rig.Target.InterruptsFor(PortRig.EventSint));
    }

    [Theory]
    [MemberData(nameof(ModeRows))]
    public void SignalEvent_never_runs_out_of_resources(HvArchitecture arch, bool fast)
    {
        var rig = new PortRig(arch);
        for (var i = 0; i < 100; i++)
            Assert.Equal(St.Success, rig.Signal(Inputs.SignalEvent(Conn, (ushort)(i % PortRig.FlagCount)), fast).Status);
        Assert.Equal(PortRig.FlagCount, rig.Target.InterruptsFor(PortRig.EventSint));
    }

    public static TheoryData<HvArchitecture, bool> ModeRows => Abis.ArchsAndModes();
}
