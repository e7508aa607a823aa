using System;
using HvCall.VmBus.Rings;
using HvCall.VmBus.Tests.Rings.Support;
using Xunit;

namespace HvCall.VmBus.Tests.Rings;

/// <summary>
/// Exact bytes in the ring and the control page, typed from vmbus-datapath.md §3 (control page: write_index
/// @0, read_index @4) and §4 (descriptor type @0, offset8 @2, len8 @4, flags @6, trans_id @8; payload; zero
/// padding to 8; trailer u64 = start offset &lt;&lt; 32).
/// </summary>
public sealed class RingLayoutTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void One_in_band_packet_with_a_5_byte_payload(bool paged)
    {
        var ring = TestRing.Create(paged, 1, seed: 3);
        new RingControl(ring.Memory).InitializeAsGuest();
        ring.FillData(0xEE); // stale bytes: the padding must be written as zeros, not left
        var writer = new OutgoingRing(ring.Memory);

        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 0x1122_3344_5566_7788, [0xA1, 0xA2, 0xA3, 0xA4, 0xA5], flags: 1));

        byte[] expected =
        [
            0x06, 0x00,             // type 6 (DATA_INBAND)
            0x02, 0x00,             // offset8 2
            0x03, 0x00,             // len8 3 = ALIGN(16 + 5, 8) / 8
            0x01, 0x00,             // flags: completion requested
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // trans_id
            0xA1, 0xA2, 0xA3, 0xA4, 0xA5, // payload
            0x00, 0x00, 0x00,       // pad to 8
            0, 0, 0, 0, 0, 0, 0, 0, // trailer: start offset 0 in the upper 32 bits, lower 32 bits 0
            0xEE,                   // untouched
        ];
        Assert.Equal(expected, ring.Data(0, 33));
        Assert.Equal(0u, ring.Control32(Sheet.WriteIndex)); // not published before Commit

        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.Completion, 0x42, [0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9]));
        byte[] second =
        [
            0x0B, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, // type 11, offset8 2, len8 4 = ALIGN(16 + 9, 8) / 8, flags 0
            0x42, 0, 0, 0, 0, 0, 0, 0,
            0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9,
            0, 0, 0, 0, 0, 0, 0,    // pad to 8
            0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, // trailer: start offset 32 in the upper 32 bits
        ];
        Assert.Equal(second, ring.Data(32, 40));
        Assert.Equal(0x20UL << 32, ring.Data64(64)); // trailer at 32 + 4·8
        Assert.Equal(0u, ring.Control32(Sheet.WriteIndex));

        Assert.True(writer.Commit()); // empty ring, mask 0
        Assert.Equal(72u, ring.Control32(Sheet.WriteIndex));
        Assert.Equal(0u, ring.Control32(Sheet.ReadIndex));

        var reader = new IncomingRing(ring.Memory);
        var buffer = new byte[64];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d1, out var n1));
        Assert.Equal(new PacketDescriptor(VmBusPacketType.DataInBand, 2, 3, 1, 0x1122_3344_5566_7788), d1);
        Assert.Equal(8, n1); // the payload area: 5 bytes and 3 of padding
        Assert.Equal(new byte[] { 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0, 0, 0 }, buffer[..8]);
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d2, out var n2));
        Assert.Equal(new PacketDescriptor(VmBusPacketType.Completion, 2, 4, 0, 0x42), d2);
        Assert.Equal(16, n2);
        Assert.Equal(RingStatus.Empty, reader.TryRead(buffer, out _, out _));
        Assert.Equal(0u, ring.Control32(Sheet.ReadIndex)); // not published before the reader's Commit

        Assert.False(reader.Commit()); // pending_send_sz 0
        Assert.Equal(72u, ring.Control32(Sheet.ReadIndex));
        Assert.Equal(-1, ring.FirstDamagedGuard());
    }

    [Fact]
    public void Nothing_is_visible_to_the_reader_before_the_writer_commits()
    {
        var ring = TestRing.Paged(1, seed: 5);
        new RingControl(ring.Memory).InitializeAsGuest();
        var writer = new OutgoingRing(ring.Memory);
        var reader = new IncomingRing(ring.Memory);
        var buffer = new byte[64];

        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 1, new byte[8]));
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 2, new byte[8]));
        Assert.Equal(64, writer.Uncommitted);
        Assert.False(reader.HasData);
        Assert.Equal(RingStatus.Empty, reader.TryRead(buffer, out _, out _));

        Assert.True(writer.Commit()); // one commit for the batch
        Assert.Equal(64u, ring.Control32(Sheet.WriteIndex));
        Assert.Equal(0, writer.Uncommitted);
        Assert.True(reader.HasData);
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out _));
        Assert.Equal(1UL, d.TransactionId);
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out d, out _));
        Assert.Equal(2UL, d.TransactionId);
        Assert.False(writer.Commit()); // nothing new to publish
    }

    /// <summary>
    /// A packet that starts 16 bytes before the end of a 2-page ring whose pages are not contiguous: its descriptor
    /// ends the last page and its payload, padding and trailer start page 0 again; the trailer still holds the
    /// start offset 8176 (0x1FF0). A second one starts at the end of the first page and crosses into the second page.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Packets_wrap_at_the_end_of_the_data_area_and_cross_pages(int seed)
    {
        var ring = TestRing.Paged(2, seed);
        var control = new RingControl(ring.Memory);
        control.InitializeAsGuest();
        ring.SetControl32(Sheet.WriteIndex, 8176);
        ring.SetControl32(Sheet.ReadIndex, 8176);
        var writer = new OutgoingRing(ring.Memory);
        var reader = new IncomingRing(ring.Memory);

        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 7, [1, 2, 3, 4, 5]));
        Assert.True(writer.Commit());
        Assert.Equal(16u, ring.Control32(Sheet.WriteIndex)); // (8176 + 24 + 8) mod 8192
        Assert.Equal(new byte[] { 6, 0, 2, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0 }, ring.Data(8176, 16));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 0, 0, 0 }, ring.Data(0, 8));
        Assert.Equal(8176UL << 32, ring.Data64(8));

        var buffer = new byte[8];
        Assert.Equal(RingStatus.Ok, reader.TryRead(buffer, out var d, out var n));
        Assert.Equal((7UL, 8), (d.TransactionId, n));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 0, 0, 0 }, buffer);
        Assert.False(reader.Commit());
        Assert.Equal(16u, ring.Control32(Sheet.ReadIndex));

        // From 16, a 4048-byte payload (total 16 + 4048 + 8 = 4072) ends at 4088; the next packet starts 8 bytes
        // before the page boundary and its descriptor crosses into data page 1.
        var fill = new byte[4048];
        fill.AsSpan().Fill(0x5C);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 8, fill));
        var crossing = new byte[20];
        for (var i = 0; i < crossing.Length; i++)
            crossing[i] = (byte)(0x80 + i);
        Assert.Equal(RingStatus.Ok, writer.TryWrite(VmBusPacketType.DataInBand, 0x0102_0304_0506_0708, crossing));
        Assert.True(writer.Commit());
        Assert.Equal(4088u + 16 + 24 + 8, ring.Control32(Sheet.WriteIndex));
        Assert.Equal(new byte[] { 6, 0, 2, 0, 5, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 }, ring.Data(4088, 16));
        Assert.Equal(crossing, ring.Data(4104, 20));
        Assert.Equal(4088UL << 32, ring.Data64(4128));

        var big = new byte[4096];
        Assert.Equal(RingStatus.Ok, reader.TryRead(big, out d, out n));
        Assert.Equal((8UL, 4048), (d.TransactionId, n));
        Assert.True(big.AsSpan(0, 4048).IndexOfAnyExcept((byte)0x5C) < 0);
        Assert.Equal(RingStatus.Ok, reader.TryRead(big, out d, out n));
        Assert.Equal((0x0102_0304_0506_0708UL, 24), (d.TransactionId, n));
        Assert.Equal(crossing, big[..20]);
        Assert.Equal(-1, ring.FirstDamagedGuard());
    }

    [Fact]
    public void Guest_initialisation_zeroes_the_control_page_and_sets_feature_bit_0()
    {
        var ring = TestRing.Flat(1);
        ring.ControlPage.Fill(0xCC);
        new RingControl(ring.Memory).InitializeAsGuest();
        for (var offset = 0; offset < 4096; offset += 4)
            Assert.Equal(offset == Sheet.FeatureBits ? 1u : 0u, ring.Control32(offset));
    }

    [Fact]
    public void Host_initialisation_masks_its_incoming_ring_and_sets_up_its_outgoing_ring()
    {
        var incoming = TestRing.Flat(1);
        var outgoing = TestRing.Flat(1);
        outgoing.SetControl32(Sheet.PendingSendSize, 4000);
        new IncomingRing(incoming.Memory).InitializeAsHost();
        new OutgoingRing(outgoing.Memory).InitializeAsHost();
        Assert.Equal(1u, incoming.Control32(Sheet.InterruptMask));
        Assert.Equal(0u, outgoing.Control32(Sheet.PendingSendSize));
        Assert.Equal(1u, outgoing.Control32(Sheet.FeatureBits));
    }

    [Fact]
    public void Memory_rejects_pages_that_are_not_4096_bytes()
    {
        var page = new byte[4096];
        Assert.Throws<ArgumentException>(() => new RingMemory(new byte[4095], [page]));
        Assert.Throws<ArgumentException>(() => new RingMemory(page, [new byte[4097]]));
        Assert.Throws<ArgumentException>(() => new RingMemory(page, ReadOnlySpan<Memory<byte>>.Empty));
        Assert.Equal(3 * 4096, new RingMemory(page, [new byte[4096], new byte[4096], new byte[4096]]).DataSize);
    }
}
