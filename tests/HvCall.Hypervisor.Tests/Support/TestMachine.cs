using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// One hypervisor with a guest partition, and a fixed guest layout: per VP <c>v</c> eight pages from
/// 0x10000 + 0x8000·v: input page, guard page, output page, guard page, SIMP, SIEFP.
/// </summary>
internal sealed class TestMachine
{
    public const ulong GuestOsIdValue = 0x8100_0000_0000_0042;
    public const ulong MemorySize = 0x10_0000;
    public const int Page = 4096;
    public const byte Pattern = 0xA5;

    private TestMachine(HvHypervisor hv, Partition guest)
    {
        Hv = hv;
        Guest = guest;
    }

    public HvHypervisor Hv { get; }

    public Partition Guest { get; }

    public HvArchitecture Arch => Guest.Architecture;

    public VirtualProcessor Vp => Guest.VirtualProcessors[0];

    /// <summary>A hypervisor "L0" with one guest partition that has identified itself (guest OS id set).</summary>
    public static TestMachine Create(HvArchitecture arch, HvPartitionPrivileges privileges = PartitionConfiguration.GuestDefault, int vpCount = 2, ulong guestOsId = GuestOsIdValue)
    {
        var hv = new HvHypervisor("L0");
        var guest = hv.CreatePartition(new PartitionConfiguration("guest", arch, vpCount, MemorySize, privileges) { GuestOsId = guestOsId });
        return new TestMachine(hv, guest);
    }

    public Partition AddPartition(string name, HvPartitionPrivileges privileges, int vpCount = 2, bool isRoot = false) =>
        Hv.CreatePartition(new PartitionConfiguration(name, Arch, vpCount, MemorySize, privileges) { IsRoot = isRoot, GuestOsId = GuestOsIdValue });

    public static ulong InputPage(VirtualProcessor vp) => 0x10000 + vp.Index * 0x8000UL;
    public static ulong OutputPage(VirtualProcessor vp) => InputPage(vp) + 0x2000;
    public static ulong SimpPage(VirtualProcessor vp) => InputPage(vp) + 0x4000;
    public static ulong SiefpPage(VirtualProcessor vp) => InputPage(vp) + 0x5000;

    /// <summary>Fills [gpa, gpa + length) with <see cref="Pattern"/>.</summary>
    public static void Fill(VirtualProcessor vp, ulong gpa, int length)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(Pattern);
        Assert.True(vp.Partition.Memory.TryWrite(gpa, bytes));
    }

    public static byte[] Read(VirtualProcessor vp, ulong gpa, int length)
    {
        var bytes = new byte[length];
        Assert.True(vp.Partition.Memory.TryRead(gpa, bytes));
        return bytes;
    }

    /// <summary>Writes a SynIC register the architectural way: an MSR on x64, fast HvCallSetVpRegisters on ARM64.</summary>
    public static void WriteSynic(VirtualProcessor vp, uint x64Msr, uint arm64Name, ulong value)
    {
        if (vp.Architecture == HvArchitecture.X64)
        {
            Assert.Equal(VpFault.None, vp.Partition.Hypervisor.WriteMsr(vp, x64Msr, value));
            return;
        }
        var outcome = Cpu.Issue(vp, Words.Control(Code.SetVpRegisters, repCount: 1), fast: true,
            Inputs.SetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, (arm64Name, value)), 0);
        Assert.Equal(St.Success, outcome.Status);
    }

    /// <summary>SINT k gets value 0x20 + k, so GetVpRegisters output element k is recognisable; returns the names.</summary>
    public static uint[] PrepareSints(VirtualProcessor vp, int count)
    {
        var names = new uint[count];
        for (var k = 0; k < count; k++)
        {
            WriteSynic(vp, Msr.Sint(k), RegName.Sint(k), 0x20UL + (ulong)k);
            names[k] = RegName.Sint(k);
        }
        return names;
    }

    /// <summary>Enables SIMP, SIEFP, one SINT (vector, optionally masked) and SCONTROL on a VP.</summary>
    public static void EnableSynic(VirtualProcessor vp, int sint, byte vector, bool masked = false)
    {
        WriteSynic(vp, Msr.Simp, RegName.Simp, SimpPage(vp) | 1);
        WriteSynic(vp, Msr.Siefp, RegName.Siefp, SiefpPage(vp) | 1);
        WriteSynic(vp, Msr.Sint(sint), RegName.Sint(sint), vector | (masked ? 1UL << 16 : 0));
        WriteSynic(vp, Msr.Scontrol, RegName.Scontrol, 1);
    }

    public static void Eom(VirtualProcessor vp) => WriteSynic(vp, Msr.Eom, RegName.Eom, 0);

    /// <summary>The 256-byte message slot of <paramref name="sint"/> in the VP's SIMP page.</summary>
    public static byte[] Slot(VirtualProcessor vp, int sint) => Read(vp, SimpPage(vp) + (ulong)(sint * 256), 256);

    /// <summary>The guest frees a slot: message type 0.</summary>
    public static void FreeSlot(VirtualProcessor vp, int sint) =>
        Assert.True(vp.Partition.Memory.TryWrite(SimpPage(vp) + (ulong)(sint * 256), new byte[4]));

    /// <summary>True when event flag <paramref name="flag"/> of <paramref name="sint"/> is set in the SIEFP page (bit flag of the SINT's 256-byte area).</summary>
    public static bool EventFlag(VirtualProcessor vp, int sint, int flag)
    {
        var b = Read(vp, SiefpPage(vp) + (ulong)(sint * 256 + flag / 8), 1)[0];
        return (b & (1 << (flag % 8))) != 0;
    }
}

/// <summary>Hypercall input layouts built byte by byte from the facts sheet.</summary>
internal static class Inputs
{
    /// <summary>HvCallPostMessage: ConnectionId @0, reserved @4, MessageType @8, PayloadSize @12, payload @16 (256 bytes).</summary>
    public static byte[] PostMessage(uint connectionId, uint messageType, ReadOnlySpan<byte> payload, uint? payloadSize = null, uint reserved = 0)
    {
        var input = new byte[256];
        BinaryPrimitives.WriteUInt32LittleEndian(input, connectionId);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(4), reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), messageType);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(12), payloadSize ?? (uint)payload.Length);
        payload[..Math.Min(payload.Length, 240)].CopyTo(input.AsSpan(16));
        return input;
    }

    /// <summary>HvCallSignalEvent: ConnectionId bits 31:0, FlagNumber 47:32, reserved 63:48.</summary>
    public static ulong SignalEvent(uint connectionId, ushort flag, ushort reserved = 0) =>
        connectionId | ((ulong)flag << 32) | ((ulong)reserved << 48);

    public static byte[] Qword(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return b;
    }

    private static byte[] RegisterHeader(ulong partition, uint vp, byte vtl, int extra)
    {
        var input = new byte[16 + extra];
        BinaryPrimitives.WriteUInt64LittleEndian(input, partition);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(8), vp);
        input[12] = vtl;
        return input;
    }

    /// <summary>HvCallGetVpRegisters: header {PartitionId u64, VpIndex u32, InputVtl u8, pad} + a u32 name per rep.</summary>
    public static byte[] GetVpRegisters(ulong partition, uint vp, byte vtl, params uint[] names)
    {
        var input = RegisterHeader(partition, vp, vtl, 4 * names.Length);
        for (var i = 0; i < names.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(16 + 4 * i), names[i]);
        return input;
    }

    /// <summary>HvCallSetVpRegisters: header + per rep {Name u32, pad 12, Value u128 @16}.</summary>
    public static byte[] SetVpRegisters(ulong partition, uint vp, byte vtl, params (uint Name, ulong Value)[] registers)
    {
        var input = RegisterHeader(partition, vp, vtl, 32 * registers.Length);
        for (var i = 0; i < registers.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(16 + 32 * i), registers[i].Name);
            BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(16 + 32 * i + 16), registers[i].Value);
        }
        return input;
    }

    public static ulong OutputQword(ReadOnlySpan<byte> output, int index) => BinaryPrimitives.ReadUInt64LittleEndian(output[(index * 8)..]);
}
