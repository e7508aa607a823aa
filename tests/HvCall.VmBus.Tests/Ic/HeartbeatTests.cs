using System;
using System.Buffers.Binary;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// HEARTBEAT in both roles (vmbus-datapath.md §6, "Heartbeat (type 1)"): our host sends Linux's 40-byte body, the
/// guest requires 28 + 8 bytes, adds one to <c>seq_num</c> (wrapping as a u64) and sets flags 0x05; the host
/// requires the request's sequence plus one.
/// </summary>
public sealed class HeartbeatTests
{
    private static readonly IcVersion V30 = new(3, 0);

    [Fact]
    public void HostWritesLinuxsFortyByteBody()
    {
        var payload = new byte[80];
        payload.AsSpan().Fill(0xEE);
        var length = HeartbeatMessage.WriteRequest(payload, V30, V30, 0x1122_3344_5566_7788);

        Assert.Equal(68, length);
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 3C 00 00 00" +                                          // pipe {1, 60}
            " 03 00 00 00  01 00  03 00 00 00  28 00  00 00 00 00  00  03  00 00" + // fw 3.0, type 1, msg 3.0, size 40, flags 0x03
            " 88 77 66 55 44 33 22 11" +                                         // seq_num
            " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" +                 // reserved u32[8]
            " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"), payload[..68]);
        Assert.All(payload[68..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void GuestAddsOneSetsFlags05AndEchoesTheRest()
    {
        var payload = new byte[68];
        HeartbeatMessage.WriteRequest(payload, V30, V30, 41);
        payload[60] = 0x5A; // a reserved byte the guest must not touch
        var before = (byte[])payload.Clone();

        Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(payload, out var sequence));

        Assert.Equal(42UL, sequence);
        Assert.Equal(IcBytes.Hex("2A 00 00 00 00 00 00 00"), payload[28..36]);
        Assert.Equal(0x05, payload[25]);
        before[25] = 0x05;
        before[28] = 0x2A;
        Assert.Equal(before, payload);
    }

    [Fact]
    public void SeveralRoundsEachAdvanceByOne()
    {
        var payload = new byte[HeartbeatMessage.RequestLength];
        ulong sent = 1000;
        for (var round = 0; round < 5; round++)
        {
            HeartbeatMessage.WriteRequest(payload, V30, V30, sent);
            Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(payload, out var answered));
            Assert.Equal(IcReadStatus.Ok, HeartbeatMessage.ReadResponse(payload, sent, out var returned));
            Assert.Equal(sent + 1, returned);
            Assert.Equal(answered, returned);
            sent = returned + 1;
        }
        Assert.Equal(1010UL, sent);
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_FFFDUL, "FE FF FF FF FF FF FF FF")]
    [InlineData(0xFFFF_FFFF_FFFF_FFFEUL, "FF FF FF FF FF FF FF FF")]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, "00 00 00 00 00 00 00 00")] // wraps
    [InlineData(0x0000_0000_FFFF_FFFFUL, "00 00 00 00 01 00 00 00")] // carries into the high word
    public void SequenceWrapsAtU64Max(ulong sent, string answeredBytes)
    {
        var payload = new byte[HeartbeatMessage.RequestLength];
        HeartbeatMessage.WriteRequest(payload, V30, V30, sent);
        Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(payload, out _));
        Assert.Equal(IcBytes.Hex(answeredBytes), payload[28..36]);
        Assert.Equal(IcReadStatus.Ok, HeartbeatMessage.ReadResponse(payload, sent, out _));
    }

    [Fact]
    public void HostRefusesAnyOtherSequence()
    {
        var payload = new byte[HeartbeatMessage.RequestLength];
        HeartbeatMessage.WriteRequest(payload, V30, V30, 7);
        payload[25] = 0x05; // answered, but seq_num not advanced
        Assert.Equal(IcReadStatus.SequenceMismatch, HeartbeatMessage.ReadResponse(payload, 7, out var returned));
        Assert.Equal(7UL, returned);
        payload[28] = 9;
        Assert.Equal(IcReadStatus.SequenceMismatch, HeartbeatMessage.ReadResponse(payload, 7, out _));
        payload[28] = 8;
        Assert.Equal(IcReadStatus.Ok, HeartbeatMessage.ReadResponse(payload, 7, out _));
    }

    [Fact]
    public void HostAppliesTheFramingChecksAndTheTypeCheck()
    {
        var payload = new byte[HeartbeatMessage.RequestLength];
        HeartbeatMessage.WriteRequest(payload, V30, V30, 7);
        HeartbeatMessage.AnswerInPlace(payload, out _);

        payload[25] = 0x03;
        Assert.Equal(IcReadStatus.NotTransactionResponse, HeartbeatMessage.ReadResponse(payload, 7, out _));
        payload[25] = 0x05;
        payload[24] = 1;
        Assert.Equal(IcReadStatus.WrongTransactionId, HeartbeatMessage.ReadResponse(payload, 7, out _));
        payload[24] = 0;
        payload[12] = 0; // NEGOTIATE: a stale answer
        Assert.Equal(IcReadStatus.UnexpectedMessageType, HeartbeatMessage.ReadResponse(payload, 7, out _));
        payload[12] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(18), 7); // body shorter than seq_num
        Assert.Equal(IcReadStatus.BodyTooShort, HeartbeatMessage.ReadResponse(payload, 7, out _));
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(18), 8);
        Assert.Equal(IcReadStatus.Ok, HeartbeatMessage.ReadResponse(payload, 7, out _));
    }

    [Fact]
    public void GuestAcceptsOpenVmmsSixteenByteBodyAndTheBareSequence()
    {
        // OpenVMM HeartbeatMessage: seq u64 + application_state u32 (1 healthy) + 4 reserved = 16 bytes.
        var openVmm = IcBytes.Hex(
            "01 00 00 00 24 00 00 00" +
            " 03 00 00 00  01 00  03 00 00 00  10 00  00 00 00 00  00  03  00 00" +
            " 05 00 00 00 00 00 00 00  01 00 00 00  00 00 00 00");
        Assert.Equal(44, openVmm.Length);
        Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(openVmm, out var sequence));
        Assert.Equal(6UL, sequence);
        Assert.Equal(IcBytes.Hex("06 00 00 00 00 00 00 00  01 00 00 00  00 00 00 00"), openVmm[28..]);
        Assert.Equal(IcReadStatus.Ok, HeartbeatMessage.ReadResponse(openVmm, 5, out _));

        // Exactly 28 + 8 bytes: the smallest heartbeat Linux answers.
        var bare = openVmm[..36];
        bare[28] = 0xFF;
        Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(bare, out sequence));
        Assert.Equal(0x100UL, sequence);
    }
}
