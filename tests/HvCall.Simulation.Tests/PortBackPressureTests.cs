using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>
/// Several VPs post to one host message port (16 buffers) that a slow host drains: every message
/// arrives exactly once, in order per VP, and the posters see INSUFFICIENT_BUFFERS (hyperv-abi.md §8).
/// </summary>
public sealed class PortBackPressureTests
{
    private const uint HostPortId = 0x42;
    private const uint ConnectionId = 0x77;
    private const uint MessageType = 0x1234;

    private sealed class RecordingSink : IHostPortSink
    {
        public Port? Port { get; private set; }
        public int Notifications { get; private set; }
        public void OnMessage(Port port) { Port = port; Notifications++; }
        public void OnEvent(Port port, ushort flagNumber) => throw new InvalidOperationException("a message port got an event");
    }

    private sealed class Counters
    {
        public int InsufficientBuffers;
        public int Posted;
    }

    public static TheoryData<Topology, HvArchitecture, int, ulong> Cases()
    {
        var data = new TheoryData<Topology, HvArchitecture, int, ulong>();
        foreach (var seed in new ulong[] { 1, 2, 3, 17, 1234 })
        {
            data.Add(Topology.Flat, HvArchitecture.X64, 4, seed);
            data.Add(Topology.Nested, HvArchitecture.X64, 3, seed);
        }
        data.Add(Topology.Flat, HvArchitecture.Arm64, 4, 5);
        data.Add(Topology.Flat, HvArchitecture.X64, 8, 99);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConcurrentPosters_LoseAndDuplicateNothing(Topology topology, HvArchitecture architecture, int vps, ulong seed)
    {
        const int perVp = 25;
        const int drainEvery = 4;
        var machine = Machine.Builder().WithTopology(topology).WithArchitecture(architecture).WithVps(vps).WithSeed(seed).Build();
        var sink = new RecordingSink();
        Assert.Equal(HvStatus.Success, machine.L0.CreateHostPort(machine.Host, HostPortId, PortType.Message, sink));
        Assert.Equal(HvStatus.Success, machine.L0.ConnectPort(machine.VmBusPartition, ConnectionId, machine.Host, HostPortId));
        Identify(machine.GuestVps[0]);

        var counters = new Counters();
        var received = new List<(uint Vp, uint Seq)>();
        foreach (var vp in machine.GuestVps)
            machine.Scheduler.Spawn($"poster{vp.Index}", Poster(vp, perVp, counters));
        machine.Scheduler.Spawn("host", Drain(sink, vps * perVp, drainEvery, received));

        Assert.True(machine.Scheduler.Run(2_000_000), "the run did not finish");

        Assert.Equal(vps * perVp, counters.Posted);
        Assert.Equal(vps * perVp, received.Count);
        Assert.Equal(received.Count, received.Distinct().Count());
        for (uint vp = 0; vp < vps; vp++)
        {
            var sequence = received.Where(r => r.Vp == vp).Select(r => r.Seq).ToArray();
            Assert.Equal(Enumerable.Range(0, perVp).Select(i => (uint)i).ToArray(), sequence);
        }
        Assert.True(counters.InsufficientBuffers > 0, "the buffers never ran out: back-pressure was not exercised");
        Assert.Equal(Port.BufferCount, sink.Port!.FreeBuffers);
        Assert.Equal(0, sink.Port.PendingHostMessages);
        Assert.Equal(vps * perVp, sink.Notifications);

        var posts = machine.Trace.Entries.Where(e => e.Control.Code.Value == 0x5C).ToList();
        Assert.Equal(vps * perVp + counters.InsufficientBuffers, posts.Count);
        Assert.Equal(counters.InsufficientBuffers, posts.Count(e => e.Result.Status == HvStatus.InsufficientBuffers));
        Assert.All(posts, e =>
        {
            Assert.Equal(topology == Topology.Nested, e.Control.IsNested);
            Assert.Equal("L0", e.HandledBy);
        });
    }

    [Fact]
    public void SeventeenthMessage_WithoutDraining_IsInsufficientBuffers()
    {
        var machine = Machine.Builder().Build();
        var sink = new RecordingSink();
        machine.L0.CreateHostPort(machine.Host, HostPortId, PortType.Message, sink);
        machine.L0.ConnectPort(machine.Guest, ConnectionId, machine.Host, HostPortId);
        var vp = machine.GuestVps[0];
        Identify(vp);
        for (var i = 0; i < Port.BufferCount; i++)
            Assert.Equal(HvStatus.Success, vp.Hypercalls.PostMessage(new HvConnectionId(ConnectionId), MessageType, new byte[8]).Status);
        Assert.Equal(HvStatus.InsufficientBuffers, vp.Hypercalls.PostMessage(new HvConnectionId(ConnectionId), MessageType, new byte[8]).Status);
        Assert.True(sink.Port!.TryReceive(new byte[HvMessage.Size]));
        Assert.Equal(HvStatus.Success, vp.Hypercalls.PostMessage(new HvConnectionId(ConnectionId), MessageType, new byte[8]).Status);
    }

    private static void Identify(GuestVp vp)
    {
        if (vp.Hypercalls.Architecture == HvArchitecture.X64)
            Assert.True(vp.Processor.TryWrite(HvX64Msr.GuestOsId, GuestLayout.LinuxGuestOsId));
        else
            Assert.Equal(HvStatus.Success, vp.Hypercalls.SetVpRegister(HvRegisterName.GuestOsId, GuestLayout.LinuxGuestOsId).Status);
    }

    private static IEnumerable<object?> Poster(GuestVp vp, int count, Counters counters)
    {
        var payload = new byte[8];
        for (uint seq = 0; seq < count; seq++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload, vp.Index);
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), seq);
            while (true)
            {
                var status = vp.Hypercalls.PostMessage(new HvConnectionId(ConnectionId), MessageType, payload).Status;
                if (status == HvStatus.Success)
                    break;
                Assert.Equal(HvStatus.InsufficientBuffers, status);
                counters.InsufficientBuffers++;
                yield return null;
            }
            counters.Posted++;
            yield return null;
        }
    }

    private static IEnumerable<object?> Drain(RecordingSink sink, int total, int every, List<(uint, uint)> received)
    {
        var message = new byte[HvMessage.Size];
        for (var tick = 1; received.Count < total; tick++)
        {
            if (tick % every == 0 && sink.Port is { } port && port.TryReceive(message))
            {
                Assert.Equal(MessageType, HvMessage.Type(message));
                Assert.Equal(8, HvMessage.PayloadSize(message));
                Assert.Equal(HostPortId, HvMessage.Sender(message));
                var payload = HvMessage.Payload(message);
                received.Add((BinaryPrimitives.ReadUInt32LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[4..])));
            }
            yield return null;
        }
    }
}
