using Xunit;
using static HvCall.Simulation.Tests.HostileRing;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The L0 host's half of the ring protocol, driven byte by byte through the echo channel: what it sets at open, when
/// it signals "data available" and "space available", and how it waits for room (vmbus-datapath.md §3, §5, §9).
/// A host → guest signal is event flag relid 5 in VP 0's SINT 2 area.
/// </summary>
public sealed class HostSignallingTests
{
    // Two 6000-byte packets take 2 × (16 + 6000 + 8) = 12048 of the 12288 ring bytes.
    private const int Big = 6000;
    private const int BigRingBytes = 16 + Big + 8;

    [Fact]
    public void Open_SetsFeatureBitsOnTheHostToGuestRing_AndTheHostWaitsUnmasked()
    {
        var ring = OpenEcho(featureBits: 0);
        // §9 step 2 / OpenVMM: feature_bits = 1 and pending_send_sz = 0 on its outgoing ring. Its incoming ring starts
        // masked and is unmasked once the host has looked and found it empty.
        Assert.Equal(1u, ring.Control(upstream: false, FeatureBits));
        Assert.Equal(0u, ring.Control(upstream: false, PendingSendSize));
        Assert.Equal(0u, ring.Control(upstream: true, InterruptMask));
        Assert.Equal(0u, ring.Control(upstream: true, FeatureBits));
        Assert.Equal((0u, 0u), (ring.Control(upstream: false, WriteIndex), ring.Control(upstream: false, ReadIndex)));
    }

    [Fact]
    public void DataAvailable_IsSignalledOnlyOnEmptyToNonEmpty_AndNeverWhenMasked()
    {
        var ring = OpenEcho(featureBits: 1);
        var host = ring.Guest.Host;
        var at = ring.Publish(0, 1, Payload(40, 1));
        ring.Signal();
        ring.Guest.Settle();
        Assert.True(ring.TakeInterrupt());
        Assert.Equal(1L, host.OpenChannels[Echo].SignalsSent);

        // The guest has not read the first echo: the ring was not empty, so the second echo is not signalled.
        at = ring.Publish(at, 2, Payload(40, 2));
        ring.Signal();
        ring.Guest.Settle();
        Assert.False(ring.TakeInterrupt());
        Assert.Equal(1L, host.OpenChannels[Echo].SignalsSent);

        // Read everything, but keep interrupt_mask set: the third echo lands unsignalled.
        ring.Control(upstream: false, ReadIndex, ring.Control(upstream: false, WriteIndex));
        ring.Control(upstream: false, InterruptMask, 1);
        at = ring.Publish(at, 3, Payload(40, 3));
        ring.Signal();
        ring.Guest.Settle();
        Assert.False(ring.TakeInterrupt());
        Assert.Equal(3u * 64, ring.Control(upstream: false, WriteIndex));

        // Unmasked and empty again: signalled.
        ring.Control(upstream: false, ReadIndex, ring.Control(upstream: false, WriteIndex));
        ring.Control(upstream: false, InterruptMask, 0);
        ring.Publish(at, 4, Payload(40, 4));
        ring.Signal();
        ring.Guest.Settle();
        Assert.True(ring.TakeInterrupt());
        Assert.Equal(2L, host.OpenChannels[Echo].SignalsSent);
        Assert.Equal(4L, host.OpenChannels[Echo].PacketsSent);
        Assert.Empty(ring.Guest.Host.Errors);
    }

    [Theory]
    // Before the host's read 12048 bytes are in use: free = 12288 − 12048 − 8 = 232; after it, 12288 − 8 = 12280.
    // Signal iff the ring's feature bit is set and 232 < pending_send_sz ≤ 12280 (Linux hv_pkt_iter_close, OpenVMM commit_read).
    [InlineData(1u, 0u, false)]               // not blocked
    [InlineData(1u, (uint)BigRingBytes, true)] // blocked on a third 6000-byte packet
    [InlineData(1u, 240u, true)]
    [InlineData(1u, 232u, false)]             // there was room already
    [InlineData(1u, 12280u, true)]
    [InlineData(1u, 12288u, false)]           // more than can ever be free
    [InlineData(0u, (uint)BigRingBytes, false)] // the producer did not promise pending_send_sz: Linux 6.x never signals
    public void SpaceAvailable_IsSignalledWhenTheReadMeetsPendingSendSize(uint featureBits, uint pending, bool signalled)
    {
        var ring = OpenEcho(featureBits: featureBits);
        ring.Control(upstream: false, InterruptMask, 1); // so the echoes themselves signal nothing
        var at = ring.Packet(0, 1, Payload(Big, 1));
        at = ring.Packet(at, 2, Payload(Big, 2));
        Assert.Equal(2 * BigRingBytes, at);
        ring.Control(upstream: true, WriteIndex, (uint)at);
        ring.Control(upstream: true, PendingSendSize, pending);
        ring.Signal();
        ring.Guest.Settle();

        var host = ring.Guest.Host.OpenChannels[Echo];
        Assert.Equal((2L, 2L), (host.PacketsReceived, host.PacketsSent));
        Assert.Equal((uint)at, ring.Control(upstream: true, ReadIndex));
        Assert.Equal(signalled, ring.TakeInterrupt());
        Assert.Equal(signalled ? 1L : 0L, host.SignalsSent);
    }

    [Fact]
    public void FullHostToGuestRing_ArmsPendingSendSize_AndTheHostResumesWhenTheGuestSignalsRoom()
    {
        var ring = OpenEcho(featureBits: 1);
        var host = ring.Guest.Host;
        var at = ring.Packet(0, 1, Payload(Big, 1));
        at = ring.Publish(at, 2, Payload(Big, 2));
        ring.Signal();
        ring.Guest.Settle();
        Assert.True(ring.TakeInterrupt());

        // The third echo needs 6024 bytes; 232 are free: the host arms pending_send_sz = max(6024, 12280 / 4)
        // rounded up to 8 (OpenVMM, §5) and waits.
        at = ring.Publish(at, 3, Payload(Big, 3));
        ring.Signal();
        ring.Guest.Settle();
        Assert.Equal((3L, 2L), (host.OpenChannels[Echo].PacketsReceived, host.OpenChannels[Echo].PacketsSent));
        Assert.Equal((uint)BigRingBytes, ring.Control(upstream: false, PendingSendSize));

        // The guest reads both echoes and, its read having met the pending size, signals: the host writes the third.
        ring.Control(upstream: false, ReadIndex, ring.Control(upstream: false, WriteIndex));
        ring.Signal();
        ring.Guest.Settle();
        Assert.Equal(3L, host.OpenChannels[Echo].PacketsSent);
        Assert.Equal(0u, ring.Control(upstream: false, PendingSendSize));
        Assert.Equal(Payload(Big, 3), ring.Read(upstream: false, 2 * BigRingBytes + 16, Big));
        Assert.Empty(host.Errors);
    }
}
