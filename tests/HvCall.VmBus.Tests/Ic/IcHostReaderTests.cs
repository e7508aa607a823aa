using System;
using System.Buffers.Binary;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// The host reader's checks, each at its boundary (vmbus-datapath.md §6, "Who sends first": OpenVMM requires pipe
/// type 1, flags TRANSACTION and RESPONSE, id 0, takes <c>message_size</c> bytes of body and requires counts 1/1;
/// vmbus-room.md Ic/ row: body bounded by <c>message_size</c>, stale responses dropped).
/// </summary>
public sealed class IcHostReaderTests
{
    // The worked example's Linux answer (48 bytes): pipe {1, 40}, icmsgsize 16, counts 1/1, 3.0, 3.0, flags 0x05.
    private static byte[] Answer() => IcBytes.Hex(
        "01 00 00 00 28 00 00 00" +
        " 00 00 00 00  00 00  00 00 00 00  10 00  00 00 00 00  00  05  00 00" +
        " 01 00 01 00 00 00 00 00" +
        " 03 00 00 00  03 00 00 00  03 00 00 00");

    private static IcReadStatus Read(byte[] payload) => NegotiateMessage.ReadResponse(payload, out _, out _);

    private static byte[] With(Action<byte[]> change)
    {
        var payload = Answer();
        change(payload);
        return payload;
    }

    [Fact]
    public void TheUnchangedAnswerIsAccepted() => Assert.Equal(IcReadStatus.Ok, Read(Answer()));

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void FewerThan8BytesHaveNoPipeHeader(int length) =>
        Assert.Equal(IcReadStatus.TooShortForPipeHeader, Read(Answer()[..length]));

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]   // PIPE_PACKET_TYPE_PARTIAL
    [InlineData(0x101u)]
    public void OnlyPipeType1IsAccepted(uint type) =>
        Assert.Equal(IcReadStatus.NotDataPipePacket, Read(With(p => BinaryPrimitives.WriteUInt32LittleEndian(p, type))));

    [Theory]
    [InlineData(41u, IcReadStatus.PipeMessageBeyondPacket)]
    [InlineData(0xFFFF_FFFFu, IcReadStatus.PipeMessageBeyondPacket)]
    [InlineData(0x8000_0000u, IcReadStatus.PipeMessageBeyondPacket)]
    [InlineData(19u, IcReadStatus.TooShortForIcHeader)]
    [InlineData(0u, IcReadStatus.TooShortForIcHeader)]
    [InlineData(20u, IcReadStatus.BodyBeyondMessage)]    // header fits, the 16-byte body does not
    [InlineData(35u, IcReadStatus.BodyBeyondMessage)]
    [InlineData(36u, IcReadStatus.Ok)]                    // exactly header + 16-byte body
    [InlineData(40u, IcReadStatus.Ok)]
    public void PipeMessageSizeIsBoundedByThePacket(uint messageSize, IcReadStatus expected) =>
        Assert.Equal(expected, Read(With(p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), messageSize))));

    [Theory]
    [InlineData(0x05, IcReadStatus.Ok)]
    [InlineData(0x07, IcReadStatus.Ok)]
    [InlineData(0xFF, IcReadStatus.Ok)]
    [InlineData(0x04, IcReadStatus.NotTransactionResponse)]
    [InlineData(0x01, IcReadStatus.NotTransactionResponse)]
    [InlineData(0x03, IcReadStatus.NotTransactionResponse)]
    [InlineData(0x00, IcReadStatus.NotTransactionResponse)]
    public void FlagsMustIncludeTransactionAndResponse(byte flags, IcReadStatus expected) =>
        Assert.Equal(expected, Read(With(p => p[25] = flags)));

    [Theory]
    [InlineData(1)]
    [InlineData(0xFF)]
    public void TransactionIdMustBe0(byte id) =>
        Assert.Equal(IcReadStatus.WrongTransactionId, Read(With(p => p[24] = id)));

    [Theory]
    [InlineData(20, IcReadStatus.Ok)]                  // msgsize 40 − 20: the whole rest
    [InlineData(21, IcReadStatus.BodyBeyondMessage)]
    [InlineData(0xFFFF, IcReadStatus.BodyBeyondMessage)]
    [InlineData(16, IcReadStatus.Ok)]
    [InlineData(15, IcReadStatus.VersionTableMissing)] // counts 1/1 but only 15 body bytes count
    [InlineData(8, IcReadStatus.VersionTableMissing)]
    [InlineData(7, IcReadStatus.BodyTooShort)]         // not even the counts
    [InlineData(0, IcReadStatus.BodyTooShort)]
    public void TheBodyIsBoundedByIcmsgsizeAndByThePipeMessage(ushort icmsgsize, IcReadStatus expected) =>
        Assert.Equal(expected, Read(With(p => BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(18), icmsgsize))));

    [Fact]
    public void ThePipeMessageBoundsTheBodyEvenWhenThePayloadIsLonger()
    {
        // Payload padded to 56 bytes (ring padding); msgsize 24 leaves a 4-byte body although 28 bytes follow.
        var payload = new byte[56];
        Answer().CopyTo(payload, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(18), 4);
        Assert.Equal(IcReadStatus.BodyTooShort, Read(payload));
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(18), 5);
        Assert.Equal(IcReadStatus.BodyBeyondMessage, Read(payload));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(0, 0)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    public void CountsOtherThanOneAndOneMeanNoSupportedVersions(byte frameworkCount, byte messageCount) =>
        Assert.Equal(IcReadStatus.NoSupportedVersions, Read(With(p => { p[28] = frameworkCount; p[30] = messageCount; })));

    [Theory]
    [InlineData(1)]   // HEARTBEAT
    [InlineData(3)]   // SHUTDOWN
    [InlineData(0x1234)]
    public void AnAnswerOfAnotherTypeIsStale(ushort type)
    {
        var status = Read(With(p => BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(12), type)));
        Assert.Equal(IcReadStatus.UnexpectedMessageType, status);
        Assert.True(status.IsStale());
    }

    [Fact]
    public void FramingHandsBackTheCopiedHeaderAndTheBoundedBody()
    {
        Assert.Equal(IcReadStatus.Ok, IcFraming.ReadResponse(Answer(), out var header, out var body));
        Assert.Equal(new IcMessageHeader(default, IcMessageType.Negotiate, default, 16, IcStatus.Ok, 0, IcFlags.Transaction | IcFlags.Response), header);
        Assert.Equal(IcBytes.Hex("01 00 01 00 00 00 00 00  03 00 00 00  03 00 00 00"), body.ToArray());

        Assert.Equal(IcReadStatus.NotDataPipePacket, IcFraming.ReadResponse(With(p => p[0] = 0), out header, out body));
        Assert.Equal(default, header);
        Assert.True(body.IsEmpty);
    }

    [Fact]
    public void OutValuesAreDefaultOnEveryRefusal()
    {
        Assert.Equal(IcReadStatus.NoSupportedVersions, NegotiateMessage.ReadResponse(With(p => p[28] = 2), out var framework, out var message));
        Assert.Equal(default, framework);
        Assert.Equal(default, message);
        Assert.Equal(IcReadStatus.TooShortForPipeHeader, ShutdownMessage.ReadResponse([], out var status));
        Assert.Equal(default, status);
        Assert.Equal(IcReadStatus.TooShortForPipeHeader, HeartbeatMessage.ReadResponse([], 5, out var sequence));
        Assert.Equal(0UL, sequence);
    }
}
