using System;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// Every reject rule of Linux's negotiate answer at its exact boundary (vmbus-datapath.md §6, "Linux negotiate
/// answer": shorter than 28 + 4, a count above 100, 28 + 8 + 4·(fc+mc) beyond the received length), and the
/// rule that a rejected payload is left untouched.
/// </summary>
public sealed class NegotiateRejectTests
{
    /// <summary>A NEGOTIATE of <paramref name="length"/> bytes with the given counts and every entry 3.0.</summary>
    private static byte[] Request(int length, int frameworkCount, int serviceCount)
    {
        var payload = new byte[length];
        var header = "01 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 00 00";
        IcBytes.Hex(header).AsSpan(0, Math.Min(28, length)).CopyTo(payload);
        if (length >= 30)
        {
            payload[28] = (byte)frameworkCount;
            payload[29] = (byte)(frameworkCount >> 8);
        }
        if (length >= 32)
        {
            payload[30] = (byte)serviceCount;
            payload[31] = (byte)(serviceCount >> 8);
        }
        for (var offset = 36; offset + 4 <= length; offset += 4)
            payload[offset] = 3;
        return payload;
    }

    private static IcAnswerStatus Answer(byte[] payload) =>
        IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out _, out _);

    /// <summary>Asserts the answer is <paramref name="expected"/> and, for a reject, that no byte changed.</summary>
    private static void AssertRejectedUntouched(byte[] payload, IcAnswerStatus expected)
    {
        var before = (byte[])payload.Clone();
        Assert.Equal(expected, Answer(payload));
        Assert.False(expected.ShouldSend());
        Assert.Equal(before, payload);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(27)]
    public void BelowTheHeaderIsDropped(int length) =>
        AssertRejectedUntouched(new byte[length], IcAnswerStatus.TooShortForHeader);

    [Theory]
    [InlineData(28)]
    [InlineData(30)]
    [InlineData(31)]
    public void Below28Plus4TheCountsDoNotFit(int length) =>
        AssertRejectedUntouched(Request(length, 0, 0), IcAnswerStatus.TooShortForCounts);

    [Fact]
    public void At28Plus4TheCountsAreReadAndTheNextRuleDecides()
    {
        // 32 bytes pass rule 1; even 0/0 needs 36, so rule 3 rejects.
        AssertRejectedUntouched(Request(32, 0, 0), IcAnswerStatus.VersionListBeyondPacket);
        // A count above 100 is checked before the length (Linux's order).
        AssertRejectedUntouched(Request(32, 101, 0), IcAnswerStatus.TooManyVersions);
    }

    [Fact]
    public void A100EntryFrameworkListIsAcceptedAnd101IsNot()
    {
        var accepted = Request(36 + (4 * 101), 100, 1);
        Assert.Equal(IcAnswerStatus.Answered, Answer(accepted));
        AssertRejectedUntouched(Request(36 + (4 * 102), 101, 1), IcAnswerStatus.TooManyVersions);
    }

    [Fact]
    public void A100EntryServiceListIsAcceptedAnd101IsNot()
    {
        var accepted = Request(36 + (4 * 101), 1, 100);
        Assert.Equal(IcAnswerStatus.Answered, Answer(accepted));
        AssertRejectedUntouched(Request(36 + (4 * 102), 1, 101), IcAnswerStatus.TooManyVersions);
    }

    [Fact]
    public void CountsNearU16MaxAreTooManyNotAnOverflow()
    {
        AssertRejectedUntouched(Request(4080, 0xFFFF, 0xFFFF), IcAnswerStatus.TooManyVersions);
        AssertRejectedUntouched(Request(4080, 0, 0xFFFF), IcAnswerStatus.TooManyVersions);
    }

    [Theory]
    [InlineData(2, 1, 48)]     // the worked example's exact length
    [InlineData(1, 1, 44)]
    [InlineData(0, 0, 36)]
    [InlineData(100, 100, 836)]
    public void TheVersionTableMayEndExactlyAtTheReceivedLength(int frameworkCount, int serviceCount, int length)
    {
        Assert.True(Answer(Request(length, frameworkCount, serviceCount)).ShouldSend());
        AssertRejectedUntouched(Request(length - 1, frameworkCount, serviceCount), IcAnswerStatus.VersionListBeyondPacket);
    }

    [Fact]
    public void ALongerPayloadThanTheTableIsAnsweredAndEchoedWhole()
    {
        var payload = Request(64, 2, 1);
        payload[63] = 0xAB;
        Assert.Equal(IcAnswerStatus.Answered, Answer(payload));
        Assert.Equal(64, payload.Length);
        Assert.Equal(0xAB, payload[63]);
    }

    [Fact]
    public void OtherMessageTypesAreNotNegotiations()
    {
        var payload = Request(48, 2, 1);
        payload[12] = 1; // HEARTBEAT
        AssertRejectedUntouched(payload, IcAnswerStatus.WrongMessageType);
    }

    [Fact]
    public void HeartbeatAndShutdownAnswerersRejectAtTheirBoundaries()
    {
        var heartbeat = new byte[36];
        heartbeat[12] = 1;
        Assert.Equal(IcAnswerStatus.Answered, HeartbeatMessage.AnswerInPlace(heartbeat, out _));
        var shortHeartbeat = new byte[35];
        shortHeartbeat[12] = 1;
        Assert.Equal(IcAnswerStatus.TooShortForBody, HeartbeatMessage.AnswerInPlace(shortHeartbeat, out _));
        var untouched = new byte[35];
        untouched[12] = 1;
        Assert.Equal(untouched, shortHeartbeat);

        var shutdown = new byte[2088];
        shutdown[12] = 3;
        Assert.Equal(IcAnswerStatus.Answered, ShutdownMessage.AnswerInPlace(shutdown, out _));
        var shortShutdown = new byte[2087];
        shortShutdown[12] = 3;
        Assert.Equal(IcAnswerStatus.TooShortForBody, ShutdownMessage.AnswerInPlace(shortShutdown, out var request));
        Assert.Equal(default, request);
        Assert.Equal(0, shortShutdown[25]);
        Assert.Equal(IcAnswerStatus.WrongMessageType, ShutdownMessage.AnswerInPlace(heartbeat, out _));
        Assert.Equal(IcAnswerStatus.WrongMessageType, HeartbeatMessage.AnswerInPlace(shutdown, out _));
        Assert.Equal(IcAnswerStatus.TooShortForHeader, HeartbeatMessage.AnswerInPlace(new byte[27], out _));
        Assert.Equal(IcAnswerStatus.TooShortForHeader, ShutdownMessage.AnswerInPlace(new byte[27], out _));
    }
}
