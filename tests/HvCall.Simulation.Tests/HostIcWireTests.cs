using System;
using System.Buffers.Binary;
using HvCall.Simulation.VmBus;
using Xunit;
using static HvCall.Simulation.Tests.HostileRing;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The host's integration components on the wire: the guest reads the host's packets out of the host → guest ring
/// and answers with Linux's bytes, both typed from vmbus-datapath.md §6 (the worked wire example, the negotiate and
/// heartbeat layouts). Payload offsets count from after the 16-byte packet descriptor.
/// </summary>
public sealed class HostIcWireTests
{
    private const uint Heartbeat = 3;
    private const uint Shutdown = 4;

    // §6 wire example, first host packet on the heartbeat channel: descriptor {6, offset8 2, len8 8, flags 0,
    // trans_id 0}; pipe {1, 40}; icmsg_hdr {fw 0.0, type 0, msg 0.0, size 20, status 0, id 0, flags 0x03};
    // negotiate {2, 1, 0}; versions 1.0, 3.0, 3.0; then the trailer (start 0 << 32).
    private static readonly byte[] HeartbeatNegotiate =
    [
        0x06, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
        0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Linux's in-place answer (MGMT vmbus_prep_negotiate_resp): icmsgsize 16, counts 1/1, the chosen versions, flags 0x05.</summary>
    private static byte[] LinuxNegotiateAnswer(byte[] request, ushort frameworkMajor, ushort serviceMajor, ushort serviceMinor)
    {
        var answer = (byte[])request.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(18), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(28), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(30), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(36), frameworkMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(38), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(40), serviceMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(42), serviceMinor);
        answer[25] = 0x05;
        return answer;
    }

    /// <summary>Reads the next host packet's payload at <paramref name="at"/> and consumes it (publishes the read index).</summary>
    private static byte[] TakeHostPacket(HostileRing ring, ref int at)
    {
        var descriptor = ring.Read(upstream: false, at, 16);
        Assert.Equal(6, BinaryPrimitives.ReadUInt16LittleEndian(descriptor));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(descriptor.AsSpan(2)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(descriptor.AsSpan(8))); // unsolicited: trans_id 0
        var len8 = BinaryPrimitives.ReadUInt16LittleEndian(descriptor.AsSpan(4));
        var payload = ring.Read(upstream: false, at + 16, len8 * 8 - 16);
        at += len8 * 8 + 8;
        ring.Control(upstream: false, ReadIndex, (uint)at);
        return payload;
    }

    [Fact]
    public void Heartbeat_NegotiatesAsTheSheetsWireExample_ThenRunsTheRounds()
    {
        var ring = Open(Heartbeat, featureBits: 1);
        var device = Assert.IsType<HostIcDevice>(ring.Guest.Host.OpenChannels[Heartbeat].Device);
        Assert.True(ring.TakeInterrupt()); // the host speaks first
        Assert.Equal(HeartbeatNegotiate, ring.Read(upstream: false, 0, HeartbeatNegotiate.Length));
        Assert.Equal((uint)(HeartbeatNegotiate.Length), ring.Control(upstream: false, WriteIndex));

        var down = 0;
        var request = TakeHostPacket(ring, ref down);
        var up = ring.Publish(0, 0, LinuxNegotiateAnswer(request, 3, 3, 0)); // a 64-byte in-band packet
        Assert.Equal(64 + 8, up);
        ring.Signal();
        ring.Guest.Settle();
        Assert.Equal(("3.0", "3.0"), (device.Negotiated!.Value.Framework.ToString(), device.Negotiated.Value.Service.ToString()));

        for (var round = 1; round <= 3; round++)
        {
            var heartbeat = TakeHostPacket(ring, ref down);
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(heartbeat));              // pipe: data
            // pipe msgsize = icmsg_hdr (20) + body (icmsgsize), and the payload holds them.
            var bodySize = BinaryPrimitives.ReadUInt16LittleEndian(heartbeat.AsSpan(18));
            Assert.Equal(20u + bodySize, BinaryPrimitives.ReadUInt32LittleEndian(heartbeat.AsSpan(4)));
            Assert.True(28 + bodySize <= heartbeat.Length);
            Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(heartbeat.AsSpan(12)));    // HEARTBEAT
            Assert.Equal(0x03, heartbeat[25]);                                                   // TRANSACTION | REQUEST
            Assert.Equal(0, heartbeat[24]);
            Assert.True(bodySize >= 8);                                                          // at least seq_num
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(heartbeat.AsSpan(28));
            // Linux: seq_num += 1, flags 0x05, the whole packet echoed with the same transaction id.
            BinaryPrimitives.WriteUInt64LittleEndian(heartbeat.AsSpan(28), sequence + 1);
            heartbeat[25] = 0x05;
            up = ring.Publish(up, 0, heartbeat);
            ring.Signal();
            ring.Guest.Settle();
            Assert.Equal(round, device.CompletedRounds);
        }
        // Three rounds done: the host sends nothing more.
        Assert.Equal((uint)down, ring.Control(upstream: false, WriteIndex));
        Assert.Empty(ring.Guest.Host.Errors);
    }

    [Fact]
    public void Shutdown_OffersOpenVmmsLists_AndLinuxPicks30And32()
    {
        var ring = Open(Shutdown, featureBits: 1);
        var device = Assert.IsType<HostIcDevice>(ring.Guest.Host.OpenChannels[Shutdown].Device);
        var down = 0;
        var request = TakeHostPacket(ring, ref down);
        // Framework [1.0, 3.0], shutdown [1.0, 3.0, 3.1, 3.2]: icmsgsize 8 + 4·6 = 32, pipe msgsize 20 + 32 = 52,
        // a 60-byte payload padded to 64 (len8 10).
        Assert.Equal(64, request.Length);
        Assert.Equal((1u, 52u), (BinaryPrimitives.ReadUInt32LittleEndian(request), BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(4))));
        Assert.Equal((0, 32, 0x03), (BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(12)), BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(18)), (int)request[25]));
        Assert.Equal((2, 4), (BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(28)), BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(30))));
        uint[] versions = [0x0000_0001, 0x0000_0003, 0x0000_0001, 0x0000_0003, 0x0001_0003, 0x0002_0003]; // {major, minor} as u32
        for (var i = 0; i < versions.Length; i++)
            Assert.Equal(versions[i], BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(36 + 4 * i)));

        ring.Publish(0, 0, LinuxNegotiateAnswer(request, 3, 3, 2));
        ring.Signal();
        ring.Guest.Settle();
        Assert.Equal(("3.0", "3.2"), (device.Negotiated!.Value.Framework.ToString(), device.Negotiated.Value.Service.ToString()));
        Assert.Equal((uint)down, ring.Control(upstream: false, WriteIndex)); // negotiation only: no shutdown request
        Assert.Empty(ring.Guest.Host.Errors);
    }

    [Fact]
    public void HeartbeatAnswer_WithTheWrongSequence_IsRecorded_AndEndsTheRounds()
    {
        var ring = Open(Heartbeat, featureBits: 1);
        var device = Assert.IsType<HostIcDevice>(ring.Guest.Host.OpenChannels[Heartbeat].Device);
        var down = 0;
        var up = ring.Publish(0, 0, LinuxNegotiateAnswer(TakeHostPacket(ring, ref down), 3, 3, 0));
        ring.Signal();
        ring.Guest.Settle();
        var heartbeat = TakeHostPacket(ring, ref down);
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(heartbeat.AsSpan(28));
        BinaryPrimitives.WriteUInt64LittleEndian(heartbeat.AsSpan(28), sequence + 2);
        heartbeat[25] = 0x05;
        ring.Publish(up, 0, heartbeat);
        ring.Signal();
        ring.Guest.Settle();
        Assert.Equal(0, device.CompletedRounds);
        Assert.Contains("heartbeat answer", Assert.Single(ring.Guest.Host.Errors), StringComparison.Ordinal);
        Assert.Equal((uint)down, ring.Control(upstream: false, WriteIndex));
    }
}
