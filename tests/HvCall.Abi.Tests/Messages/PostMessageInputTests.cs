using System;
using System.Buffers.Binary;
using System.Linq;
using FsCheck.Fluent;
using HvCall.Abi.Messages;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Messages;

/// <summary>HvCallPostMessage input layout (facts §8): ConnectionId @0, reserved @4, MessageType @8, PayloadSize @12, payload @16.</summary>
public sealed class PostMessageInputTests
{
    private static byte[] Payload(int length) => Enumerable.Range(1, length).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void WritePlacesEveryFieldAtItsOffset()
    {
        var buffer = new byte[256];
        buffer.AsSpan().Fill(0xCC);
        var payload = Payload(5);
        PostMessageInput.Write(buffer, new HvConnectionId(0x0012_3456), 1, payload);

        Assert.Equal(0x0012_3456u, BinaryPrimitives.ReadUInt32LittleEndian(buffer));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(8)));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(12)));
        Assert.Equal(payload, buffer[16..21]);
        Assert.All(buffer[21..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void ReadersReadAndWriteWritesTheSheetsOffsets() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt32, Deterministic.UInt32, Deterministic.Range(0, 240), (connection, type, length) =>
        {
            // The input built here from facts §8 (ConnectionId @0, reserved @4, MessageType @8, PayloadSize @12,
            // payload @16), not by PostMessageInput.Write.
            var sheet = new byte[256];
            BinaryPrimitives.WriteUInt32LittleEndian(sheet, connection);
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(8), type);
            BinaryPrimitives.WriteUInt32LittleEndian(sheet.AsSpan(12), (uint)length);
            Payload(length).CopyTo(sheet, 16);

            Assert.Equal(connection, PostMessageInput.ConnectionId(sheet));
            Assert.Equal(0u, PostMessageInput.Reserved(sheet));
            Assert.Equal(type, PostMessageInput.MessageType(sheet));
            Assert.Equal((uint)length, PostMessageInput.PayloadSize(sheet));
            Assert.Equal(Payload(length), PostMessageInput.Payload(sheet).ToArray());

            var written = new byte[256];
            written.AsSpan().Fill(0xCC);
            PostMessageInput.Write(written, new HvConnectionId(connection), type, Payload(length));
            Assert.Equal(sheet, written);
        }));

    [Fact]
    public void WriteOnlyTouchesTheFirst256Bytes()
    {
        var buffer = new byte[300];
        buffer.AsSpan().Fill(0xEE);
        PostMessageInput.Write(buffer, new HvConnectionId(4), 1, Payload(240));
        Assert.All(buffer[256..], b => Assert.Equal(0xEE, b));
        Assert.Equal(Payload(240), buffer[16..256]);
    }

    [Theory]
    [InlineData(241)]
    [InlineData(256)]
    [InlineData(1000)]
    public void PayloadOver240BytesThrows(int length)
    {
        var buffer = new byte[256];
        Assert.Throws<ArgumentException>(() => PostMessageInput.Write(buffer, new HvConnectionId(4), 1, new byte[length]));
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void PayloadReaderClampsAnOversizedSizeField()
    {
        var buffer = new byte[256];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFu, PostMessageInput.PayloadSize(buffer));
        Assert.Equal(240, PostMessageInput.Payload(buffer).Length);
    }

    [Fact]
    public void SizesFollowTheFacts()
    {
        Assert.Equal(256, PostMessageInput.Size);
        Assert.Equal(16, PostMessageInput.PayloadOffset);
        Assert.Equal(240, PostMessageInput.MaxPayloadSize);
    }
}
