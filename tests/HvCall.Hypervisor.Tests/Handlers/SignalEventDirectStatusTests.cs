using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>A SignalEventDirect case: a change to the rig, the input, the status, the SINT and flag it must set, and whether a child issues it.</summary>
internal sealed record SignalDirectCase(Action<DirectRig> Arrange, Func<DirectRig, byte[]> Input, ushort Expected, int FlagSet = -1, bool FromChild = false,
    int SintSet = DirectRig.EventSint);

/// <summary>
/// Every status HvCallSignalEventDirect (0xC0) returns, through the dispatcher, on both architectures (slow: the
/// call has no fast form). Statuses and check order as HvCall chose them (vmbus-datapath sheet §7, facts §3):
/// not root 0x6 → partition 0xD → VTL, SINT, flag 0x5 → VP 0xE → SynIC, event page, masked SINT 0x18.
/// </summary>
public sealed class SignalEventDirectStatusTests
{
    private const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    private const uint VpIndexSelf = 0xFFFF_FFFE;
    private const uint AnyVp = 0xFFFF_FFFF;
    private const byte Sint = DirectRig.EventSint;

    private static void Nothing(DirectRig rig) { }

    private static Func<DirectRig, byte[]> In(uint vp = DirectRig.TargetVpIndex, byte vtl = 0, byte sint = Sint, ushort flag = 5, ulong? partition = null) =>
        r => DirectInputs.SignalEventDirect(partition ?? r.Child.Id, vp, vtl, sint, flag);

    private static void MaskSint(DirectRig r) =>
        TestMachine.WriteSynic(r.Target, Msr.Sint(Sint), RegName.Sint(Sint), DirectRig.EventVector | (1UL << 16));

    private static void DisableSynic(DirectRig r) => TestMachine.WriteSynic(r.Target, Msr.Scontrol, RegName.Scontrol, 0);

    internal static readonly Dictionary<string, SignalDirectCase> Cases = new()
    {
        ["success flag 5"] = new(Nothing, In(), St.Success, 5),
        ["success flag 0"] = new(Nothing, In(flag: 0), St.Success, 0),
        ["success last flag 2047"] = new(Nothing, In(flag: 2047), St.Success, 2047),
        ["success SINT 0"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Sint(0), RegName.Sint(0), 0x40), In(sint: 0, flag: 1), St.Success, 1, SintSet: 0),
        ["success SINT 15"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Sint(15), RegName.Sint(15), 0x4F), In(sint: 15, flag: 2047), St.Success, 2047, SintSet: 15),

        ["caller is not the root partition"] = new(Nothing, In(), St.AccessDenied, FromChild: true),
        ["caller is not the root even with every root privilege"] = new(r => r.Child.Privileges = PartitionConfiguration.RootDefault, In(), St.AccessDenied, FromChild: true),
        ["unknown target partition"] = new(Nothing, In(partition: 0x99), St.InvalidPartitionId),
        ["target partition 0 (no kernel substitutes it here)"] = new(Nothing, In(partition: 0), St.InvalidPartitionId),
        ["target VTL 1"] = new(Nothing, In(vtl: 1), St.InvalidParameter),
        ["target VTL 0xFF"] = new(Nothing, In(vtl: 0xFF), St.InvalidParameter),
        ["target SINT 16"] = new(Nothing, In(sint: 16), St.InvalidParameter),
        ["target SINT 255"] = new(Nothing, In(sint: 255), St.InvalidParameter),
        ["flag number 2048"] = new(Nothing, In(flag: 2048), St.InvalidParameter),
        ["flag number 0xFFFF"] = new(Nothing, In(flag: 0xFFFF), St.InvalidParameter),
        ["VP index past the child's VPs"] = new(Nothing, In(vp: 2), St.InvalidVpIndex),
        ["VP index 64"] = new(Nothing, In(vp: 64), St.InvalidVpIndex),
        ["HV_VP_INDEX_SELF of another partition"] = new(Nothing, In(vp: VpIndexSelf), St.InvalidVpIndex),
        ["HV_ANY_VP"] = new(Nothing, In(vp: AnyVp), St.InvalidVpIndex),
        ["target SynIC disabled"] = new(DisableSynic, In(), St.InvalidSynicState),
        ["target event flags page disabled"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Siefp, RegName.Siefp, TestMachine.SiefpPage(r.Target)), In(), St.InvalidSynicState),
        ["target SINT masked"] = new(MaskSint, In(), St.InvalidSynicState),
        ["target SINT never configured (reset value: masked)"] = new(Nothing, In(sint: 7), St.InvalidSynicState),

        ["order: not root before unknown partition"] = new(Nothing, In(partition: 0x99), St.AccessDenied, FromChild: true),
        ["order: not root before bad flag"] = new(Nothing, In(flag: 0xFFFF), St.AccessDenied, FromChild: true),
        ["order: unknown partition before VTL 1"] = new(Nothing, In(partition: 0x99, vtl: 1), St.InvalidPartitionId),
        ["order: VTL 1 before unknown VP"] = new(Nothing, In(vp: 9, vtl: 1), St.InvalidParameter),
        ["order: SINT 16 before unknown VP"] = new(Nothing, In(vp: 9, sint: 16), St.InvalidParameter),
        ["order: flag 2048 before unknown VP"] = new(Nothing, In(vp: 9, flag: 2048), St.InvalidParameter),
        ["order: flag 2048 before masked SINT"] = new(MaskSint, In(flag: 2048), St.InvalidParameter),
        ["order: unknown VP before disabled SynIC"] = new(DisableSynic, In(vp: 9), St.InvalidVpIndex),
    };

    public static TheoryData<string, HvArchitecture> Rows => Abis.CasesPerArch(Cases.Keys);

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    [Theory]
    [MemberData(nameof(Rows))]
    public void SignalEventDirect_case_returns_the_documented_status_and_sets_only_its_flag(string name, HvArchitecture arch)
    {
        var c = Cases[name];
        var rig = new DirectRig(arch);
        c.Arrange(rig);
        var interruptsBefore = rig.Target.InterruptCount;
        TestMachine.Fill(rig.Caller, TestMachine.OutputPage(rig.Caller), 16);

        var outcome = rig.Signal(c.Input(rig), c.FromChild ? rig.Child.VirtualProcessors[0] : null);

        Assert.Equal(c.Expected, outcome.Status);
        var (expectedSint, expectedFlag) = (c.SintSet, c.FlagSet);
        // The whole event flags page: 16 areas of 256 bytes, flag f of SINT s is bit f % 8 of byte s·256 + f / 8.
        var expectedPage = new byte[4096];
        if (expectedFlag >= 0)
            expectedPage[expectedSint * 256 + expectedFlag / 8] = (byte)(1 << (expectedFlag % 8));
        Assert.Equal(expectedPage, TestMachine.Read(rig.Target, TestMachine.SiefpPage(rig.Target), 4096));
        if (c.Expected == St.Success)
        {
            Assert.True(TestMachine.EventFlag(rig.Target, expectedSint, expectedFlag));
            Assert.Equal([1, 0, 0, 0, 0, 0, 0, 0], outcome.Output); // NewlySignaled 1, 7 reserved bytes 0
            Assert.Equal(interruptsBefore + 1, rig.Target.InterruptCount);
            Assert.Equal(1, rig.Target.InterruptsFor(expectedSint));
        }
        else
        {
            Assert.Equal(interruptsBefore, rig.Target.InterruptCount);
            if (!c.FromChild)
                Assert.All(outcome.Output, b => Assert.Equal(TestMachine.Pattern, b)); // a simple call writes no output on failure
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void NewlySignaled_is_1_then_0_and_only_the_first_signal_interrupts(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var input = DirectInputs.SignalEventDirect(rig.Child.Id, DirectRig.TargetVpIndex, 0, Sint, 300);

        var first = rig.Signal(input);
        var second = rig.Signal(input);

        Assert.Equal((St.Success, (byte)1), (first.Status, first.Output[0]));
        Assert.Equal((St.Success, (byte)0), (second.Status, second.Output[0]));
        Assert.All(second.Output[1..], b => Assert.Equal(0, b));
        Assert.Equal(1, rig.Target.InterruptsFor(Sint));
        Assert.Equal(DirectRig.EventVector, rig.Target.LastInterruptVector);
        // Flag 300 is bit 300 of SINT 3's 256-byte area: byte 3·256 + 37, bit 4.
        Assert.Equal(1 << 4, TestMachine.Read(rig.Target, TestMachine.SiefpPage(rig.Target) + 3 * 256 + 37, 1)[0]);

        // The guest clears the flag: the next signal is newly signaled again and interrupts again.
        Assert.True(rig.Target.Partition.Memory.TryWrite(TestMachine.SiefpPage(rig.Target) + 3 * 256 + 37, new byte[1]));
        var third = rig.Signal(input);
        Assert.Equal((St.Success, (byte)1), (third.Status, third.Output[0]));
        Assert.Equal(2, rig.Target.InterruptsFor(Sint));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void The_root_signals_its_own_vps_by_self_id_by_its_own_id_and_by_vp_index_self(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var own = rig.Root.VirtualProcessors[1];
        TestMachine.EnableSynic(own, Sint, 0x60);
        TestMachine.EnableSynic(rig.Caller, Sint, 0x61);

        Assert.Equal(St.Success, rig.Signal(DirectInputs.SignalEventDirect(PartitionSelf, 1, 0, Sint, 1)).Status);
        Assert.Equal(St.Success, rig.Signal(DirectInputs.SignalEventDirect(rig.Root.Id, 1, 0, Sint, 2)).Status);
        Assert.Equal(St.Success, rig.Signal(DirectInputs.SignalEventDirect(PartitionSelf, VpIndexSelf, 0, Sint, 3)).Status);

        Assert.True(TestMachine.EventFlag(own, Sint, 1));
        Assert.True(TestMachine.EventFlag(own, Sint, 2));
        Assert.False(TestMachine.EventFlag(own, Sint, 3));
        Assert.True(TestMachine.EventFlag(rig.Caller, Sint, 3));
        Assert.Equal((2, 1), (own.InterruptsFor(Sint), rig.Caller.InterruptsFor(Sint)));
        Assert.False(TestMachine.EventFlag(rig.Target, Sint, 1));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_form_is_invalid_hypercall_input_for_the_root_and_access_denied_for_a_child(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var input = DirectInputs.SignalEventDirect(rig.Child.Id, DirectRig.TargetVpIndex, 0, Sint, 5);

        var root = Cpu.Issue(rig.Caller, Words.Control(Code.SignalEventDirect), fast: true, input, 0);
        var child = Cpu.Issue(rig.Child.VirtualProcessors[0], Words.Control(Code.SignalEventDirect), fast: true, input, 0);

        Assert.Equal(St.InvalidHypercallInput, root.Status);
        Assert.Equal(St.AccessDenied, child.Status);
        Assert.False(TestMachine.EventFlag(rig.Target, Sint, 5));
    }
}
