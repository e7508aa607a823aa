using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// A root partition that reaches a child's SynIC with the direct calls: the child ("guest", the machine's
/// partition) has VP 1 with SIMP, SIEFP and SCONTROL enabled, SINT 2 unmasked with vector 0x52 and SINT 3
/// unmasked with vector 0x53. The root ("root", RootDefault privileges, 2 VPs) issues from VP 0.
/// </summary>
internal sealed class DirectRig
{
    public const byte MessageSint = 2;
    public const byte EventSint = 3;
    public const byte MessageVector = 0x52;
    public const byte EventVector = 0x53;
    public const uint TargetVpIndex = 1;

    public DirectRig(HvArchitecture arch)
    {
        Machine = TestMachine.Create(arch, vpCount: 2);
        Root = Machine.AddPartition("root", PartitionConfiguration.RootDefault, vpCount: 2, isRoot: true);
        Target = Child.VirtualProcessors[(int)TargetVpIndex];
        TestMachine.EnableSynic(Target, MessageSint, MessageVector);
        TestMachine.WriteSynic(Target, Msr.Sint(EventSint), RegName.Sint(EventSint), EventVector);
        InterruptsBefore = Target.InterruptCount;
    }

    public TestMachine Machine { get; }
    public HvHypervisor Hv => Machine.Hv;
    public Partition Child => Machine.Guest;
    public Partition Root { get; }
    public VirtualProcessor Caller => Root.VirtualProcessors[0];
    public VirtualProcessor Target { get; }
    public int InterruptsBefore { get; }

    /// <summary>HvCallSignalEventDirect, slow: 16 bytes at the caller's input page, 8 bytes of output from its output page.</summary>
    public Outcome Signal(byte[] input, VirtualProcessor? from = null) =>
        Cpu.Issue(from ?? Caller, Words.Control(Code.SignalEventDirect), fast: false, input, 8);

    /// <summary>HvCallPostMessageDirect, slow: 280 bytes at the caller's input page.</summary>
    public Outcome Post(byte[] input, VirtualProcessor? from = null) =>
        Cpu.Issue(from ?? Caller, Words.Control(Code.PostMessageDirect), fast: false, input, 0);
}

/// <summary>The direct calls' inputs built byte by byte from the vmbus-datapath sheet §7.</summary>
internal static class DirectInputs
{
    /// <summary>HvCallSignalEventDirect: TargetPartition u64 @0, TargetVp u32 @8, TargetVtl u8 @12, TargetSint u8 @13, FlagNumber u16 @14.</summary>
    public static byte[] SignalEventDirect(ulong partition, uint vp, byte vtl, byte sint, ushort flag)
    {
        var input = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(input, partition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), vp);
        input[12] = vtl;
        input[13] = sint;
        BinaryPrimitives.WriteUInt16LittleEndian(input.AsSpan(14), flag);
        return input;
    }

    /// <summary>
    /// HvCallPostMessageDirect (Linux/OpenVMM): partition_id u64 @0, vp_index u32 @8, vtl u8 @12, padding @13–15,
    /// sint_index u32 @16, hv_message @20 {type u32 @20, payload size u8 @24, flags u8 @25, reserved u16 @26,
    /// sender u64 @28, payload @36..276}, padding2 u32 @276. Every payload byte past the declared size is filled
    /// with <paramref name="tail"/> so that a test can see the whole 240 bytes travel.
    /// </summary>
    public static byte[] PostMessageDirect(ulong partition, uint vp, byte vtl, uint sint, uint type, ReadOnlySpan<byte> payload,
        byte? size = null, ulong sender = 0x5E4D_E500_0000_0001, byte flags = 0, byte padding = 0, byte tail = 0)
    {
        var input = new byte[280];
        BinaryPrimitives.WriteUInt64LittleEndian(input, partition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), vp);
        input[12] = vtl;
        input.AsSpan(13, 3).Fill(padding);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(16), sint);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(20), type);
        input[24] = size ?? (byte)payload.Length;
        input[25] = flags;
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(28), sender);
        input.AsSpan(36, 240).Fill(tail);
        payload[..Math.Min(payload.Length, 240)].CopyTo(input.AsSpan(36));
        input.AsSpan(276, 4).Fill(padding);
        return input;
    }

    /// <summary>The 256 bytes a successful PostMessageDirect must leave in the slot: the input's message with flags and reserved 0.</summary>
    public static byte[] ExpectedSlot(byte[] input, byte flags = 0)
    {
        var slot = input.AsSpan(20, 256).ToArray();
        slot[5] = flags;
        slot[6] = 0;
        slot[7] = 0;
        return slot;
    }
}
