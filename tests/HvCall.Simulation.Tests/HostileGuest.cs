using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Simulation.Machines;
using HvCall.Simulation.VmBus;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>
/// A guest that writes its VMBus messages byte by byte, to send the host what a Linux guest never would. It runs
/// on VP 0 of an 8 MiB machine whose L0 VMBus host runs on the scheduler: the guest posts with HvCallPostMessage,
/// then <see cref="Settle"/> runs the scheduler with an actor that takes the host's replies from VP 0's SINT 2
/// message slot (as VmBusClient.Pump does: copy, free the slot, EOM when a message is pending). Layouts are typed
/// from vmbus.md §2 and vmbus-datapath.md §1–§2.
/// </summary>
internal sealed class HostileGuest
{
    public const ulong MemorySize = 8UL << 20;
    /// <summary>Pages in the partition: PFNs 0 … 0x7FF are inside it.</summary>
    public const ulong PartitionPages = MemorySize / 4096;
    public const uint MessageConnection = 1;
    public const uint ContactConnection = 4;
    public const uint StatusUnsuccessful = 0x8000_FFFF;

    private readonly List<byte[]> _inbox = [];

    private HostileGuest(Topology topology, HvArchitecture architecture, int vps)
    {
        Machine = Machine.Build(new MachineOptions { Topology = topology, Architecture = architecture, VpCount = vps, MemorySize = MemorySize, Seed = 7 });
        Host = new VmBusHost(Machine.L0, Machine.Host, Machine.VmBusPartition, new ChannelWorkload(), SimulationHarness.Version52, devices: null);
        Machine.Scheduler.Spawn("vmbus-host", Host.Run(), daemon: true);
    }

    public Machine Machine { get; }
    public VmBusHost Host { get; }
    public GuestVp Vp => Machine.GuestVps[0];
    public Hypervisor.Memory.GuestMemory Memory => Machine.VmBusPartition.Memory;

    /// <summary>SynIC on VP 0 as Linux enables it, INITIATE_CONTACT 5.2 on connection 4, REQUESTOFFERS: five offers.</summary>
    public static HostileGuest Connect(Topology topology = Topology.Flat, HvArchitecture architecture = HvArchitecture.X64, int vps = 1)
    {
        var guest = new HostileGuest(topology, architecture, vps);
        var vp = guest.Vp;
        if (architecture == HvArchitecture.X64)
        {
            Assert.True(vp.Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId));
            Assert.True(vp.Processor.TryWrite(HvX64Msr.Hypercall, GuestLayout.HypercallPage | 1));
        }
        else
        {
            Assert.Equal(HvStatus.Success, vp.Hypercalls.SetVpRegister(HvRegisterName.GuestOsId, GuestLayout.LinuxGuestOsId).Status);
        }
        Assert.True(vp.Synic.TryWrite(SynicRegister.Simp, SynicPageRegister.Enabled(vp.MessagePage.Gpa).Value));
        Assert.True(vp.Synic.TryWrite(SynicRegister.Siefp, SynicPageRegister.Enabled(vp.EventFlagsPage.Gpa).Value));
        Assert.True(vp.Synic.TryWrite(SynicRegisters.Sint(2), SintRegister.Unmasked(0xF3).Value));
        Assert.True(vp.Synic.TryWrite(SynicRegister.Scontrol, 1));

        var version = Assert.Single(guest.Exchange(InitiateContact(SimulationHarness.Version52, 0), ContactConnection));
        Assert.Equal((15u, (byte)1, 1u), (Type(version), version[8], U32(version, 12)));
        var offers = guest.Exchange(Header(3));
        Assert.Equal([1u, 1u, 1u, 1u, 1u, 4u], offers.Select(Type).ToArray());
        Assert.Empty(guest.Host.Errors);
        return guest;
    }

    /// <summary>Posts one message (SynIC message type 1) and returns the hypercall status.</summary>
    public HvStatus Post(byte[] message, uint connection = MessageConnection) =>
        Vp.Hypercalls.PostMessage(new HvConnectionId(connection), 1, message).Status;

    /// <summary>Posts and settles: the host's replies, in order.</summary>
    public List<byte[]> Exchange(byte[] message, uint connection = MessageConnection)
    {
        Assert.Equal(HvStatus.Success, Post(message, connection));
        return Settle();
    }

    /// <summary>Runs the host and a slot-reading actor for <paramref name="steps"/> actor steps; returns what arrived.</summary>
    public List<byte[]> Settle(int steps = 64)
    {
        Machine.Scheduler.Spawn("hostile-guest", Pump(steps));
        Assert.True(Machine.Scheduler.Run(Machine.Scheduler.Steps + 100_000));
        var received = _inbox.ToList();
        _inbox.Clear();
        return received;
    }

    private IEnumerable<object?> Pump(int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            TakeSlot();
            yield return null;
        }
        TakeSlot();
    }

    private void TakeSlot()
    {
        var slot = Vp.MessagePage.Span.Slice(2 * HvMessage.Size, HvMessage.Size);
        var type = BinaryPrimitives.ReadUInt32LittleEndian(slot);
        if (type == HvMessageType.None)
            return;
        Assert.Equal(1u, type);
        _inbox.Add(HvMessage.Payload(slot).ToArray());
        var pending = HvMessage.IsMessagePending(slot);
        BinaryPrimitives.WriteUInt32LittleEndian(slot, HvMessageType.None);
        if (pending)
            Assert.True(Vp.Synic.TryWrite(SynicRegister.Eom, 0));
    }

    /// <summary>GPADL_HEADER with the first 26 PFNs, GPADL_BODYs of 28 after it (Linux's split); the GPADL_CREATED status.</summary>
    public uint CreateGpadl(uint relId, uint gpadl, ulong[] pfns)
    {
        var length = 4096u * (uint)pfns.Length;
        Assert.Equal(HvStatus.Success, Post(GpadlHeader(relId, gpadl, (ushort)(8 + 8 * pfns.Length), 1, length, 0, pfns.Take(26).ToArray())));
        for (var at = 26; at < pfns.Length; at += 28)
            Assert.Equal(HvStatus.Success, Post(GpadlBody(gpadl, pfns.Skip(at).Take(28).ToArray())));
        var created = Assert.Single(Settle());
        Assert.Equal((10u, relId, gpadl), (Type(created), U32(created, 8), U32(created, 12)));
        return U32(created, 16);
    }

    /// <summary>OPENCHANNEL (openid = relid); the OPENCHANNEL_RESULT status.</summary>
    public uint Open(uint relId, uint gpadl, uint targetVp, uint downstreamOffset)
    {
        var result = Assert.Single(Exchange(OpenChannel(relId, relId, gpadl, targetVp, downstreamOffset)));
        Assert.Equal((6u, 20, relId, relId), (Type(result), result.Length, U32(result, 8), U32(result, 12)));
        return U32(result, 16);
    }

    /// <summary>Fills pages [first, first + count) with a pattern that names each byte's page.</summary>
    public void Fill(ulong firstPfn, int count)
    {
        var page = new byte[4096];
        for (var pfn = firstPfn; pfn < firstPfn + (ulong)count; pfn++)
        {
            for (var i = 0; i < page.Length; i++)
                page[i] = (byte)(pfn * 31 + (ulong)i * 7 + 0x5A);
            Assert.True(Memory.TryWrite(pfn * 4096, page));
        }
    }

    /// <summary>A copy of all guest memory.</summary>
    public byte[] Snapshot()
    {
        var copy = new byte[MemorySize];
        Assert.True(Memory.TryRead(0, copy));
        return copy;
    }

    /// <summary>
    /// Asserts every page is as in <paramref name="before"/> but <paramref name="allowed"/> and VP 0's own four pages:
    /// hypercall input and output (this guest's posts) and the SynIC message and event flags pages (the host's replies).
    /// </summary>
    public void AssertUnchangedExcept(byte[] before, IEnumerable<ulong> allowed)
    {
        var own = GuestLayout.InputPage(0) / 4096;
        var skip = new HashSet<ulong>(allowed) { own, own + 1, Vp.MessagePage.Gpa / 4096, Vp.EventFlagsPage.Gpa / 4096 };
        var after = Snapshot();
        for (ulong pfn = 0; pfn < PartitionPages; pfn++)
        {
            if (skip.Contains(pfn))
                continue;
            var offset = (int)(pfn * 4096);
            Assert.True(before.AsSpan(offset, 4096).SequenceEqual(after.AsSpan(offset, 4096)), $"page 0x{pfn:X} outside the GPADL changed");
        }
    }

    // Message builders; offsets from the start of the message, header {msgtype u32, padding u32} included.

    public static uint Type(byte[] message) => BinaryPrimitives.ReadUInt32LittleEndian(message);

    public static uint U32(byte[] message, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(offset));

    public static byte[] Header(uint type, int length = 8)
    {
        var message = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, type);
        return message;
    }

    private static byte[] With(byte[] message, params (int Offset, uint Value)[] fields)
    {
        foreach (var (offset, value) in fields)
            BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(offset), value);
        return message;
    }

    /// <summary>INITIATE_CONTACT (14), 40 bytes: version @8, target_vcpu @12, msg_sint @16 = 2.</summary>
    public static byte[] InitiateContact(uint version, uint targetVp)
    {
        var message = With(Header(14, 40), (8, version), (12, targetVp));
        message[16] = 2;
        return message;
    }

    /// <summary>GPADL_HEADER (8): relid @8, gpadl @12, range_buflen u16 @16, rangecount u16 @18, byte_count @20, byte_offset @24, PFNs @28.</summary>
    public static byte[] GpadlHeader(uint relId, uint gpadl, ushort rangeBufferLength, ushort rangeCount, uint byteCount, uint byteOffset, ulong[] pfns)
    {
        var message = With(Header(8, 28 + 8 * pfns.Length), (8, relId), (12, gpadl), (20, byteCount), (24, byteOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(16), rangeBufferLength);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(18), rangeCount);
        for (var i = 0; i < pfns.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(28 + 8 * i), pfns[i]);
        return message;
    }

    /// <summary>GPADL_BODY (9): msgnumber @8 = 0, gpadl @12, PFNs @16.</summary>
    public static byte[] GpadlBody(uint gpadl, ulong[] pfns)
    {
        var message = With(Header(9, 16 + 8 * pfns.Length), (12, gpadl));
        for (var i = 0; i < pfns.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(16 + 8 * i), pfns[i]);
        return message;
    }

    /// <summary>OPENCHANNEL (5), 148 bytes: relid @8, openid @12, gpadl @16, target_vp @20, downstream page offset @24.</summary>
    public static byte[] OpenChannel(uint relId, uint openId, uint gpadl, uint targetVp, uint downstreamOffset) =>
        With(Header(5, 148), (8, relId), (12, openId), (16, gpadl), (20, targetVp), (24, downstreamOffset));

    /// <summary>CLOSECHANNEL (7), 12 bytes: relid @8.</summary>
    public static byte[] CloseChannel(uint relId) => With(Header(7, 12), (8, relId));

    /// <summary>GPADL_TEARDOWN (11), 16 bytes: relid @8, gpadl @12.</summary>
    public static byte[] GpadlTeardown(uint relId, uint gpadl) => With(Header(11, 16), (8, relId), (12, gpadl));
}
