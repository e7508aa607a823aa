using System;
using System.Buffers.Binary;
using System.Linq;
using FsCheck.Fluent;
using HvCall.Abi.Messages;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Messages;

/// <summary>SynIC message slot layout (facts §7): type u32 @0, size u8 @4, flags u8 @5 (bit 0 pending), reserved u16 @6, sender u64 @8, payload @16.</summary>
public sealed class HvMessageTests
{
    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(0xA0 ^ i)).ToArray();

    [Fact]
    public void WritePlacesEveryFieldAtItsOffset()
    {
        var slot = new byte[256];
        slot.AsSpan().Fill(0x5A);
        HvMessage.Write(slot, 0x8000_0010, 0x1122_3344_5566_7788, Payload(3), flags: 1);

        Assert.Equal(0x8000_0010u, BinaryPrimitives.ReadUInt32LittleEndian(slot));
        Assert.Equal(3, slot[4]);
        Assert.Equal(1, slot[5]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(slot.AsSpan(6)));
        Assert.Equal(0x1122_3344_5566_7788UL, BinaryPrimitives.ReadUInt64LittleEndian(slot.AsSpan(8)));
        Assert.Equal(Payload(3), slot[16..19]);
        Assert.All(slot[19..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void ReadersReadAndWriteWritesTheSheetsOffsets() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt32, Deterministic.UInt64, Deterministic.Range(0, 240), (type, sender, length) =>
        {
            // The slot built here byte by byte from facts §7, not by HvMessage.Write.
            var flags = (byte)(length & 1);
            var sheet = new byte[256];
            BinaryPrimitives.WriteUInt32LittleEndian(sheet, type);
            sheet[4] = (byte)length;
            sheet[5] = flags;
            BinaryPrimitives.WriteUInt64LittleEndian(sheet.AsSpan(8), sender);
            Payload(length).CopyTo(sheet, 16);

            Assert.Equal(type, HvMessage.Type(sheet));
            Assert.Equal((byte)length, HvMessage.PayloadSize(sheet));
            Assert.Equal(flags, HvMessage.Flags(sheet));
            Assert.Equal(flags == 1, HvMessage.IsMessagePending(sheet));
            Assert.Equal(sender, HvMessage.Sender(sheet));
            Assert.Equal(Payload(length), HvMessage.Payload(sheet).ToArray());

            var written = new byte[256];
            HvMessage.Write(written, type, sender, Payload(length), flags);
            Assert.Equal(sheet, written);
        }));

    [Fact]
    public void PendingFlagIsBit0OfTheFlagsByte()
    {
        var slot = new byte[256];
        HvMessage.Write(slot, 1, 0, [], flags: 0xFE);
        Assert.False(HvMessage.IsMessagePending(slot));
        HvMessage.SetMessagePending(slot);
        Assert.True(HvMessage.IsMessagePending(slot));
        Assert.Equal(0xFF, slot[5]);
        Assert.Equal(1u, HvMessage.Type(slot));
    }

    [Fact]
    public void SetMessagePendingTouchesOnlyByte5()
    {
        var slot = new byte[256];
        HvMessage.Write(slot, 7, 9, Payload(10));
        var before = slot.ToArray();
        HvMessage.SetMessagePending(slot);
        for (var i = 0; i < slot.Length; i++)
            Assert.Equal(i == 5 ? (byte)(before[i] | 1) : before[i], slot[i]);
    }

    [Fact]
    public void PayloadOver240BytesThrowsAndWritesNothing()
    {
        var slot = new byte[256];
        Assert.Throws<ArgumentException>(() => HvMessage.Write(slot, 1, 0, new byte[241]));
        Assert.All(slot, b => Assert.Equal(0, b));
    }

    [Fact]
    public void PayloadReaderClampsToTheSlot()
    {
        var slot = new byte[256];
        slot[4] = 255;
        Assert.Equal(240, HvMessage.Payload(slot).Length);
    }

    [Fact]
    public void MessageTypeConstants()
    {
        Assert.Equal(0u, HvMessageType.None);
        Assert.Equal(1u, HvMessageType.VmBus);
        Assert.Equal(0x8000_0000u, HvMessageType.HypervisorBit);
        Assert.Equal((256, 16, 240), (HvMessage.Size, HvMessage.HeaderSize, HvMessage.MaxPayloadSize));
    }
}
