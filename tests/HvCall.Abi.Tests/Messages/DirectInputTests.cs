using System;
using System.Buffers.Binary;
using System.Linq;
using FsCheck.Fluent;
using HvCall.Abi.Messages;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Messages;

/// <summary>
/// HvCallSignalEventDirect (16-byte input, 8-byte output) and HvCallPostMessageDirect (280-byte input) layouts,
/// from the vmbus-datapath sheet §7: SignalEventDirect TargetPartition u64 @0, TargetVp u32 @8, TargetVtl u8 @12,
/// TargetSint u8 @13, FlagNumber u16 @14, output NewlySignaled u8 @0 + 7 reserved; PostMessageDirect (Linux and
/// OpenVMM, not the TLFS page) partition_id u64 @0, vp_index u32 @8, vtl u8 @12, 3 padding, sint_index u32 @16,
/// the whole 256-byte hv_message @20, padding2 u32 @276.
/// </summary>
public sealed class DirectInputTests
{
    private static byte[] Payload(int length) => Enumerable.Range(1, length).Select(i => (byte)(i * 13)).ToArray();

    [Fact]
    public void SignalEventDirectSizesFollowTheSheet()
    {
        Assert.Equal(16, SignalEventDirectInput.Size);
        Assert.Equal(8, SignalEventDirectOutput.Size);
        Assert.Equal((0, 8, 12, 13, 14), (SignalEventDirectInput.TargetPartitionOffset, SignalEventDirectInput.TargetVpOffset,
            SignalEventDirectInput.TargetVtlOffset, SignalEventDirectInput.TargetSintOffset, SignalEventDirectInput.FlagNumberOffset));
    }

    [Fact]
    public void SignalEventDirectWritePlacesEveryFieldAtItsOffsetAndTouchesOnly16Bytes()
    {
        var buffer = new byte[24];
        buffer.AsSpan().Fill(0xCC);
        SignalEventDirectInput.Write(buffer, 0x1122_3344_5566_7788, 0x0A0B_0C0D, 0x01, 0x0F, 0x07FF);

        Assert.Equal(0x1122_3344_5566_7788UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer));
        Assert.Equal(0x0A0B_0C0Du, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(0x01, buffer[12]);
        Assert.Equal(0x0F, buffer[13]);
        Assert.Equal(0x07FF, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(14)));
        Assert.All(buffer[16..], b => Assert.Equal(0xCC, b));
    }

    [Fact]
    public void SignalEventDirectReadersReadAndWriteWritesTheSheetsOffsets() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.UInt64, (partition, fields) =>
        {
            var vp = (uint)fields;
            var vtl = (byte)(fields >> 32);
            var sint = (byte)(fields >> 40);
            var flag = (ushort)(fields >> 48);
            // Built here from the sheet's offsets (@0, @8, @12, @13, @14), not by SignalEventDirectInput.Write.
            var sheet = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(sheet, partition);
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(8), vp);
            sheet[12] = vtl;
            sheet[13] = sint;
            BinaryPrimitives.WriteUInt16LittleEndian(sheet.AsSpan(14), flag);

            Assert.Equal(partition, SignalEventDirectInput.TargetPartition(sheet));
            Assert.Equal(vp, SignalEventDirectInput.TargetVp(sheet));
            Assert.Equal(vtl, SignalEventDirectInput.TargetVtl(sheet));
            Assert.Equal(sint, SignalEventDirectInput.TargetSint(sheet));
            Assert.Equal(flag, SignalEventDirectInput.FlagNumber(sheet));

            var written = new byte[16];
            SignalEventDirectInput.Write(written, partition, vp, vtl, sint, flag);
            Assert.Equal(sheet, written);
        }));

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void SignalEventDirectOutputIsOneByteThenSevenZeroReservedBytes(bool newly, byte expected)
    {
        var buffer = new byte[10];
        buffer.AsSpan().Fill(0xEE);
        SignalEventDirectOutput.Write(buffer, newly);
        Assert.Equal(expected, buffer[0]);
        Assert.All(buffer[1..8], b => Assert.Equal(0, b));
        Assert.Equal([0xEE, 0xEE], buffer[8..]);
        Assert.Equal(newly, SignalEventDirectOutput.NewlySignaled(buffer));
    }

    [Fact]
    public void SignalEventDirectOutputReadsAnyNonZeroByteAsNewlySignaled()
    {
        Assert.True(SignalEventDirectOutput.NewlySignaled([0x80, 0, 0, 0, 0, 0, 0, 0]));
        Assert.False(SignalEventDirectOutput.NewlySignaled([0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public void PostMessageDirectSizesFollowLinuxAndOpenVmmNotTheTlfsPage()
    {
        Assert.Equal(280, PostMessageDirectInput.Size);
        Assert.Equal((0, 8, 12, 13, 16, 20, 276), (PostMessageDirectInput.PartitionIdOffset, PostMessageDirectInput.VpIndexOffset,
            PostMessageDirectInput.VtlOffset, PostMessageDirectInput.PaddingOffset, PostMessageDirectInput.SintIndexOffset,
            PostMessageDirectInput.MessageOffset, PostMessageDirectInput.Padding2Offset));
    }

    [Fact]
    public void PostMessageDirectWritePlacesEveryFieldAtItsOffset()
    {
        var buffer = new byte[300];
        buffer.AsSpan().Fill(0xCC);
        var payload = Payload(7);
        PostMessageDirectInput.Write(buffer, 0xFFFF_FFFF_FFFF_FFFF, 3, 0, 2, 0x0000_0001, payload, sender: 0x0102_0304_0506_0708);

        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, BinaryPrimitives.ReadUInt64LittleEndian(buffer));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(0, buffer[12]);
        Assert.Equal([0, 0, 0], buffer[13..16]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(16)));
        // hv_message @20: type u32, payload size u8, flags u8, reserved u16, sender u64, payload.
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)));
        Assert.Equal(7, buffer[24]);
        Assert.Equal(0, buffer[25]);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(26)));
        Assert.Equal(0x0102_0304_0506_0708UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(28)));
        Assert.Equal(payload, buffer[36..43]);
        Assert.All(buffer[43..276], b => Assert.Equal(0, b));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(276)));
        Assert.All(buffer[280..], b => Assert.Equal(0xCC, b));
    }

    [Fact]
    public void PostMessageDirectWriteOfAWholeMessageCopiesAll256BytesAt20()
    {
        var message = Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray();
        var buffer = new byte[280];
        buffer.AsSpan().Fill(0x77);
        PostMessageDirectInput.Write(buffer, 5, 1, 0, 15, message);

        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(buffer));
        Assert.Equal(15u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(16)));
        Assert.Equal(message, buffer[20..276]);
        Assert.Equal(message, PostMessageDirectInput.Message(buffer).ToArray());
        Assert.Equal([0, 0, 0, 0], buffer[276..280]);
        Assert.Equal([0, 0, 0], buffer[13..16]);
    }

    [Fact]
    public void PostMessageDirectReadersReadAndWriteWritesTheSheetsOffsets() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt64, Deterministic.UInt64, Deterministic.Range(0, 240), (partition, fields, length) =>
        {
            var vp = (uint)fields;
            var sint = (uint)(fields >> 16);
            var type = (uint)(fields >> 32);
            var vtl = (byte)(length & 3);
            var sender = partition ^ 0x5A;
            // Built here from the sheet's offsets (partition @0, VP @8, VTL @12, SINT @16, hv_message @20: type,
            // payload size @24, sender @28, payload @36), not by PostMessageDirectInput.Write.
            var sheet = new byte[280];
            BinaryPrimitives.WriteUInt64LittleEndian(sheet, partition);
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(8), vp);
            sheet[12] = vtl;
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(16), sint);
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(20), type);
            sheet[24] = (byte)length;
            BinaryPrimitives.WriteUInt64LittleEndian(sheet.AsSpan(28), sender);
            Payload(length).CopyTo(sheet, 36);

            Assert.Equal(partition, PostMessageDirectInput.PartitionId(sheet));
            Assert.Equal(vp, PostMessageDirectInput.VpIndex(sheet));
            Assert.Equal(vtl, PostMessageDirectInput.Vtl(sheet));
            Assert.Equal(sint, PostMessageDirectInput.SintIndex(sheet));
            Assert.Equal(sheet[20..276], PostMessageDirectInput.Message(sheet).ToArray());

            var written = new byte[280];
            PostMessageDirectInput.Write(written, partition, vp, vtl, sint, type, Payload(length), sender: sender);
            Assert.Equal(sheet, written);
        }));

    [Fact]
    public void PostMessageDirectReadersIgnoreThePadding()
    {
        // Linux does not clear its input page: stale padding must not change what the fields read.
        var clean = new byte[280];
        PostMessageDirectInput.Write(clean, 9, 1, 0, 2, 1, Payload(4));
        var stale = (byte[])clean.Clone();
        stale.AsSpan(13, 3).Fill(0xEE);
        stale.AsSpan(276, 4).Fill(0xEE);
        Assert.Equal(PostMessageDirectInput.PartitionId(clean), PostMessageDirectInput.PartitionId(stale));
        Assert.Equal(PostMessageDirectInput.Vtl(clean), PostMessageDirectInput.Vtl(stale));
        Assert.Equal(PostMessageDirectInput.SintIndex(clean), PostMessageDirectInput.SintIndex(stale));
        Assert.Equal(PostMessageDirectInput.Message(clean).ToArray(), PostMessageDirectInput.Message(stale).ToArray());
    }

    [Theory]
    [InlineData(241)]
    [InlineData(256)]
    public void PostMessageDirectPayloadOver240BytesThrowsAndWritesNothing(int length)
    {
        var buffer = new byte[280];
        Assert.Throws<ArgumentException>(() => PostMessageDirectInput.Write(buffer, 1, 0, 0, 2, 1, new byte[length]));
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(240)]
    [InlineData(255)]
    [InlineData(257)]
    public void PostMessageDirectWholeMessageMustBe256Bytes(int length)
    {
        var buffer = new byte[280];
        Assert.Throws<ArgumentException>(() => PostMessageDirectInput.Write(buffer, 1, 0, 0, 2, new byte[length]));
        Assert.All(buffer, b => Assert.Equal(0, b));
    }
}
