using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>A PostMessageDirect case: a change to the rig, the input, the status, and whether a child issues it.</summary>
internal sealed record PostDirectCase(Action<DirectRig> Arrange, Func<DirectRig, byte[]> Input, ushort Expected, bool FromChild = false);

/// <summary>
/// Every status HvCallPostMessageDirect (0xC1) returns, through the dispatcher, on both architectures (slow: no fast
/// form). The 280-byte Linux/OpenVMM input (vmbus-datapath sheet §7); statuses and check order as HvCall chose them:
/// not root 0x6 → partition 0xD → VTL, SINT, message type and size 0x5 → VP 0xE → SynIC, message page, masked
/// SINT 0x18 → busy slot 0x19. Padding is never checked.
/// </summary>
public sealed class PostMessageDirectStatusTests
{
    private const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    private const uint VpIndexSelf = 0xFFFF_FFFE;
    private const byte Sint = DirectRig.MessageSint;
    private static readonly byte[] Payload = [.. Enumerable.Range(1, 12).Select(i => (byte)(0x30 + i))];

    private static void Nothing(DirectRig rig) { }

    private static Func<DirectRig, byte[]> In(uint vp = DirectRig.TargetVpIndex, byte vtl = 0, uint sint = Sint, uint type = 1,
        int length = 12, byte? size = null, ulong? partition = null, byte flags = 0, byte padding = 0, byte tail = 0) =>
        r => DirectInputs.PostMessageDirect(partition ?? r.Child.Id, vp, vtl, sint, type,
            Enumerable.Range(1, length).Select(i => (byte)(0x30 + i)).ToArray(), size, flags: flags, padding: padding, tail: tail);

    private static void Busy(DirectRig r) =>
        Assert.True(r.Target.Partition.Memory.TryWrite(TestMachine.SimpPage(r.Target) + Sint * 256, [7, 0, 0, 0]));

    private static void MaskSint(DirectRig r) =>
        TestMachine.WriteSynic(r.Target, Msr.Sint(Sint), RegName.Sint(Sint), DirectRig.MessageVector | (1UL << 16));

    private static void DisableSynic(DirectRig r) => TestMachine.WriteSynic(r.Target, Msr.Scontrol, RegName.Scontrol, 0);

    internal static readonly Dictionary<string, PostDirectCase> Cases = new()
    {
        ["success"] = new(Nothing, In(), St.Success),
        ["success payload size 240"] = new(Nothing, In(length: 240), St.Success),
        ["success payload size 0"] = new(Nothing, In(length: 0), St.Success),
        ["success largest valid type 0x7FFFFFFF"] = new(Nothing, In(type: 0x7FFF_FFFF), St.Success),
        ["success with stale padding bytes (Linux does not clear its input page)"] = new(Nothing, In(padding: 0xEE), St.Success),
        ["success carries all 240 payload bytes, past the declared size too"] = new(Nothing, In(length: 3, tail: 0x99), St.Success),
        ["success ignores the caller's flags byte"] = new(Nothing, In(flags: 0xFF), St.Success),

        ["caller is not the root partition"] = new(Nothing, In(), St.AccessDenied, FromChild: true),
        ["caller is not the root even with every root privilege"] = new(r => r.Child.Privileges = PartitionConfiguration.RootDefault, In(), St.AccessDenied, FromChild: true),
        ["unknown target partition"] = new(Nothing, In(partition: 0x99), St.InvalidPartitionId),
        ["target partition 0"] = new(Nothing, In(partition: 0), St.InvalidPartitionId),
        ["VTL 1"] = new(Nothing, In(vtl: 1), St.InvalidParameter),
        ["SINT 16"] = new(Nothing, In(sint: 16), St.InvalidParameter),
        ["SINT 0x102 (sint_index is Linux's u32)"] = new(Nothing, In(sint: 0x102), St.InvalidParameter),
        ["SINT 0xFFFFFFFF"] = new(Nothing, In(sint: 0xFFFF_FFFF), St.InvalidParameter),
        ["message type 0"] = new(Nothing, In(type: 0), St.InvalidParameter),
        ["message type 0x80000000"] = new(Nothing, In(type: 0x8000_0000), St.InvalidParameter),
        ["message type with bit 31 set (timer expired 0x80000010)"] = new(Nothing, In(type: 0x8000_0010), St.InvalidParameter),
        ["payload size 241"] = new(Nothing, In(size: 241), St.InvalidParameter),
        ["payload size 255"] = new(Nothing, In(size: 255), St.InvalidParameter),
        ["VP index past the child's VPs"] = new(Nothing, In(vp: 2), St.InvalidVpIndex),
        ["HV_VP_INDEX_SELF of another partition"] = new(Nothing, In(vp: VpIndexSelf), St.InvalidVpIndex),
        ["target SynIC disabled"] = new(DisableSynic, In(), St.InvalidSynicState),
        ["target message page disabled"] = new(r => TestMachine.WriteSynic(r.Target, Msr.Simp, RegName.Simp, TestMachine.SimpPage(r.Target)), In(), St.InvalidSynicState),
        ["target SINT masked"] = new(MaskSint, In(), St.InvalidSynicState),
        ["target SINT never configured (reset value: masked)"] = new(Nothing, In(sint: 9), St.InvalidSynicState),
        ["slot busy"] = new(Busy, In(), St.ObjectInUse),

        ["order: not root before unknown partition"] = new(Nothing, In(partition: 0x99), St.AccessDenied, FromChild: true),
        ["order: not root before message type 0"] = new(Nothing, In(type: 0), St.AccessDenied, FromChild: true),
        ["order: unknown partition before message type 0"] = new(Nothing, In(partition: 0x99, type: 0), St.InvalidPartitionId),
        ["order: message type 0 before unknown VP"] = new(Nothing, In(vp: 9, type: 0), St.InvalidParameter),
        ["order: payload size 241 before unknown VP"] = new(Nothing, In(vp: 9, size: 241), St.InvalidParameter),
        ["order: SINT 16 before unknown VP"] = new(Nothing, In(vp: 9, sint: 16), St.InvalidParameter),
        ["order: bad type before disabled SynIC"] = new(DisableSynic, In(type: 0x8000_0000), St.InvalidParameter),
        ["order: unknown VP before disabled SynIC"] = new(DisableSynic, In(vp: 9), St.InvalidVpIndex),
        ["order: masked SINT before busy slot"] = new(r => { Busy(r); MaskSint(r); }, In(), St.InvalidSynicState),
        ["order: bad type before busy slot"] = new(Busy, In(type: 0), St.InvalidParameter),
    };

    public static TheoryData<string, HvArchitecture> Rows => Abis.CasesPerArch(Cases.Keys);

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    [Theory]
    [MemberData(nameof(Rows))]
    public void PostMessageDirect_case_returns_the_documented_status_and_writes_the_slot_only_on_success(string name, HvArchitecture arch)
    {
        var c = Cases[name];
        var rig = new DirectRig(arch);
        c.Arrange(rig);
        var input = c.Input(rig);
        var pageBefore = TestMachine.Read(rig.Target, TestMachine.SimpPage(rig.Target), 4096);
        var interruptsBefore = rig.Target.InterruptCount;

        var outcome = rig.Post(input, c.FromChild ? rig.Child.VirtualProcessors[0] : null);

        Assert.Equal(c.Expected, outcome.Status);
        var page = TestMachine.Read(rig.Target, TestMachine.SimpPage(rig.Target), 4096);
        if (c.Expected == St.Success)
        {
            var expected = (byte[])pageBefore.Clone();
            DirectInputs.ExpectedSlot(input).CopyTo(expected, Sint * 256);
            Assert.Equal(expected, page);
            Assert.Equal(interruptsBefore + 1, rig.Target.InterruptCount);
            Assert.Equal(1, rig.Target.InterruptsFor(Sint));
            Assert.Equal(DirectRig.MessageVector, rig.Target.LastInterruptVector);
        }
        else
        {
            if (c.Expected == St.ObjectInUse)
                pageBefore[Sint * 256 + 5] |= 1; // the busy slot is asked for an EOM: MessagePending
            Assert.Equal(pageBefore, page);
            Assert.Equal(interruptsBefore, rig.Target.InterruptCount);
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void The_root_posts_to_its_own_vps_by_self_id_by_its_own_id_and_by_vp_index_self(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var own = rig.Root.VirtualProcessors[1];
        TestMachine.EnableSynic(own, 4, 0x64);
        TestMachine.EnableSynic(own, 5, 0x65);
        TestMachine.EnableSynic(rig.Caller, 4, 0x66);

        Assert.Equal(St.Success, rig.Post(DirectInputs.PostMessageDirect(PartitionSelf, 1, 0, 4, 0x11, Payload)).Status);
        Assert.Equal(St.Success, rig.Post(DirectInputs.PostMessageDirect(rig.Root.Id, 1, 0, 5, 0x12, Payload)).Status);
        Assert.Equal(St.Success, rig.Post(DirectInputs.PostMessageDirect(PartitionSelf, VpIndexSelf, 0, 4, 0x13, Payload)).Status);

        Assert.Equal(0x11u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(own, 4)));
        Assert.Equal(0x12u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(own, 5)));
        Assert.Equal(0x13u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Caller, 4)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, 4)));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_form_is_invalid_hypercall_input_for_the_root_and_access_denied_for_a_child(HvArchitecture arch)
    {
        var rig = new DirectRig(arch);
        var control = Words.Control(Code.PostMessageDirect, fast: true);

        Cpu.Hvcall(rig.Caller, control, rig.Child.Id, DirectRig.TargetVpIndex);
        var root = Words.Status(Cpu.Result(rig.Caller));
        var childVp = rig.Child.VirtualProcessors[0];
        Cpu.Hvcall(childVp, control, rig.Child.Id, DirectRig.TargetVpIndex);
        var child = Words.Status(Cpu.Result(childVp));

        Assert.Equal(St.InvalidHypercallInput, root);
        Assert.Equal(St.AccessDenied, child);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, Sint)));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Input_crossing_a_page_is_invalid_alignment(HvArchitecture arch)
    {
        // 280 bytes starting 272 bytes before a page end cross into the next page (facts §5, §6).
        var rig = new DirectRig(arch);
        var gpa = TestMachine.InputPage(rig.Caller) + 4096 - 272;
        Assert.True(rig.Root.Memory.TryWrite(gpa, DirectInputs.PostMessageDirect(rig.Child.Id, 1, 0, Sint, 1, Payload)));

        Cpu.Hvcall(rig.Caller, Words.Control(Code.PostMessageDirect), gpa, 0);

        Assert.Equal(St.InvalidAlignment, Words.Status(Cpu.Result(rig.Caller)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(rig.Target, Sint)));
    }
}
