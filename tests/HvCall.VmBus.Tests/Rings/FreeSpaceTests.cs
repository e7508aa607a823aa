using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>
/// vmbus-datapath.md §3 "never completely full": read == write means empty, so a write fails when raw free
/// (dsize − (w − r), or r − w) ≤ the packet's total bytes including the trailer, i.e. at least 8 bytes always
/// stay free. Worked by hand for one data page (4096 data bytes); packet totals are 16 + ALIGN(payload, 8) + 8 (§4).
/// </summary>
public sealed class FreeSpaceTests
{
    // Filler totals: 16 + 3040 + 8 = 3064 leaves raw free 4096 − 3064 = 1032 = 1024 + 8;
    //                16 + 3048 + 8 = 3072 leaves raw free 1024 (no 8-byte reserve for a 1024-byte packet).
    private const int FillerLeaving1032 = 3040;
    private const int FillerLeaving1024 = 3048;
    private const int Payload1024 = 1000; // 16 + 1000 + 8 = 1024
    private const int Payload1016 = 992;  // 16 + 992 + 8 = 1016

    [Theory]
    [InlineData(0)]
    [InlineData(2000)]  // the filler wraps: 2000 + 3064 > 4096
    [InlineData(4088)]  // the filler's descriptor wraps after 8 bytes
    public void Exactly_enough_room_plus_the_8_byte_reserve_fits(int start)
    {
        var (ring, writer, _) = Open(start);
        Assert.Equal(4088, writer.Free());
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[FillerLeaving1032]));
        Assert.Equal(1024, writer.Free()); // raw 1032 − 8

        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[Payload1024]));
        Assert.Equal(0, writer.Free());
        Assert.True(writer.Commit());
        Assert.Equal((uint)((start + 4088) % 4096), ring.Control32(Sheet.WriteIndex)); // 8 bytes short of read_index

        // Nothing else fits now, not even the smallest packet (24 bytes).
        var before = ring.Snapshot();
        Assert.Equal(RingStatus.Full, writer.TryWrite(VmBusPacketType.DataInBand, 3, []));
        Assert.True(ring.Unchanged(before));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    [InlineData(4088)]
    public void Room_for_the_packet_without_the_8_byte_reserve_is_full(int start)
    {
        var (ring, writer, reader) = Open(start);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[FillerLeaving1024]));
        Assert.Equal(1016, writer.Free()); // raw 1024 − 8
        Assert.True(writer.Commit());

        var before = ring.Snapshot();
        Assert.Equal(RingStatus.Full, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[Payload1024]));
        Assert.True(ring.Unchanged(before));
        Assert.Equal(0, writer.Uncommitted);
        Assert.False(writer.Commit());
        Assert.True(ring.Unchanged(before));

        // 8 bytes less fits exactly.
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 3, new byte[Payload1016]));
        Assert.Equal(0, writer.Free());
        Assert.False(writer.Commit()); // ring was not empty
        Assert.Equal((uint)((start + 4088) % 4096), ring.Control32(Sheet.WriteIndex));

        // Once the reader releases the filler (3072 bytes), the 1024-byte packet fits: the writer re-reads read_index.
        var buffer = new byte[4096];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out _));
        Assert.Equal(1UL, d.TransactionId);
        Assert.Equal(RingStatus.Full, writer.TryWrite(VmBusPacketType.DataInBand, 4, new byte[Payload1024])); // not released yet
        reader.Commit();
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 4, new byte[Payload1024]));
        Assert.Equal(4096 - 1016 - 1024 - 8, writer.Free()); // raw free after the 1016 and 1024 packets, less 8
        Assert.Equal(-1, ring.FirstDamagedGuard());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1024)]
    public void The_largest_packet_leaves_8_bytes_and_anything_larger_can_never_fit(int start)
    {
        var (ring, writer, reader) = Open(start);
        Assert.Equal(4088, writer.MaxPacketBytes); // max_packet_size = data size − 8

        var before = ring.Snapshot();
        foreach (var payload in new[] { 4065, 4072, 4073, 8192, 1 << 20 }) // totals 4096 and more
        {
            Assert.Equal(RingStatus.PacketTooLarge, writer.TryWrite(VmBusPacketType.DataInBand, 9, new byte[payload]));
            Assert.Equal(RingStatus.Ok, writer.Status);
        }
        Assert.True(ring.Unchanged(before));

        var largest = new byte[4064]; // 16 + 4064 + 8 = 4088
        largest[0] = 0x11;
        largest[4063] = 0x22;
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 10, largest));
        Assert.True(writer.Commit());
        Assert.Equal((uint)((start + 4088) % 4096), ring.Control32(Sheet.WriteIndex));

        // On a ring that is not empty a never-fitting packet is still PacketTooLarge, not Full.
        Assert.Equal(RingStatus.PacketTooLarge, writer.TryWrite(VmBusPacketType.DataInBand, 11, new byte[4072]));
        Assert.Equal(RingStatus.Full, writer.TryWrite(VmBusPacketType.DataInBand, 12, []));

        var buffer = new byte[4064];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out var n));
        Assert.Equal((10UL, 4064), (d.TransactionId, n));
        Assert.Equal(largest, buffer);
    }

    [Fact]
    public void Two_data_pages_hold_a_packet_of_8184_bytes()
    {
        var ring = TestRing.Paged(2, seed: 21);
        new RingControl(ring.Memory).InitializeAsGuest();
        var writer = new OutgoingRing(ring.Memory);
        Assert.Equal(8184, writer.MaxPacketBytes);
        Assert.Equal(RingStatus.PacketTooLarge, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8161])); // 16 + 8168 + 8 = 8192
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8160]));             // 16 + 8160 + 8 = 8184
        Assert.Equal(0, writer.Free());
    }

    private static (TestRing Ring, OutgoingRing Writer, IncomingRing Reader) Open(int start)
    {
        var ring = TestRing.Paged(1, seed: start);
        new RingControl(ring.Memory).InitializeAsGuest();
        ring.SetControl32(Sheet.WriteIndex, (uint)start);
        ring.SetControl32(Sheet.ReadIndex, (uint)start);
        return (ring, new OutgoingRing(ring.Memory), new IncomingRing(ring.Memory));
    }
}
