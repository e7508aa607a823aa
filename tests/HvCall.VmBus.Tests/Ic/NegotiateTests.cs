using System;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// NEGOTIATE end to end in both roles (vmbus-datapath.md §6): the worked wire example byte for byte, Linux's
/// in-place answer, shutdown against OpenVMM's lists, and the no-common-version answer the host refuses.
/// </summary>
public sealed class NegotiateTests
{
    // §6 worked example: pipe {1, 40}; icmsg_hdr {fw 0.0, type 0, msg 0.0, size 20, status 0, id 0, flags 0x03};
    // negotiate {2, 1, 0}; versions 1.0, 3.0, 3.0.
    private const string WorkedExampleRequest =
        "01 00 00 00 28 00 00 00" +
        " 00 00 00 00  00 00  00 00 00 00  14 00  00 00 00 00  00  03  00 00" +
        " 02 00 01 00 00 00 00 00" +
        " 01 00 00 00  03 00 00 00  03 00 00 00";

    // Linux's answer: same bytes, icmsgsize 16, counts {1,1}, versions 3.0, 3.0 (stale third entry 3.0), flags 0x05.
    private const string WorkedExampleAnswer =
        "01 00 00 00 28 00 00 00" +
        " 00 00 00 00  00 00  00 00 00 00  10 00  00 00 00 00  00  05  00 00" +
        " 01 00 01 00 00 00 00 00" +
        " 03 00 00 00  03 00 00 00  03 00 00 00";

    [Fact]
    public void HostWritesTheWorkedExampleBytes()
    {
        var payload = new byte[64];
        payload.AsSpan().Fill(0xEE);
        var length = NegotiateMessage.WriteRequest(payload, IcVersions.HostFramework, IcVersions.HostHeartbeat);

        Assert.Equal(48, length);
        Assert.Equal(IcBytes.Hex(WorkedExampleRequest), payload[..48]);
        Assert.All(payload[48..], b => Assert.Equal(0xEE, b));
        // Descriptor len8 = (16 + 48) / 8 = 8: a 64-byte in-band packet.
        Assert.Equal(64, 16 + length);
    }

    [Fact]
    public void LinuxAnswersTheWorkedExampleInPlaceWithTheSameLength()
    {
        var payload = IcBytes.Hex(WorkedExampleRequest);
        var status = IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out var framework, out var service);

        Assert.Equal(IcAnswerStatus.Answered, status);
        Assert.Equal(IcBytes.Hex(WorkedExampleAnswer), payload);
        Assert.Equal(48, payload.Length);
        Assert.Equal(new IcVersion(3, 0), framework);
        Assert.Equal(new IcVersion(3, 0), service);
    }

    [Fact]
    public void HostReadsTheWorkedExampleAnswer()
    {
        var status = NegotiateMessage.ReadResponse(IcBytes.Hex(WorkedExampleAnswer), out var framework, out var message);
        Assert.Equal(IcReadStatus.Ok, status);
        Assert.Equal(new IcVersion(3, 0), framework);
        Assert.Equal(new IcVersion(3, 0), message);
    }

    [Fact]
    public void HostRefusesItsOwnUnansweredRequest()
    {
        // The request has flags 0x03 (no RESPONSE): an echo of it is not an answer.
        Assert.Equal(IcReadStatus.NotTransactionResponse, NegotiateMessage.ReadResponse(IcBytes.Hex(WorkedExampleRequest), out _, out _));
    }

    [Fact]
    public void ShutdownAgainstOpenVmmListsPicksFramework30AndShutdown32()
    {
        var payload = new byte[60];
        Assert.Equal(60, NegotiateMessage.WriteRequest(payload, IcVersions.HostFramework, IcVersions.HostShutdown));
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 34 00 00 00" +
            " 00 00 00 00  00 00  00 00 00 00  20 00  00 00 00 00  00  03  00 00" +
            " 02 00 04 00 00 00 00 00" +
            " 01 00 00 00  03 00 00 00" +
            " 01 00 00 00  03 00 00 00  03 00 01 00  03 00 02 00"), payload);

        var status = IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxShutdown, out var framework, out var service);

        Assert.Equal(IcAnswerStatus.Answered, status);
        Assert.Equal(new IcVersion(3, 0), framework);
        Assert.Equal(new IcVersion(3, 2), service);
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 34 00 00 00" +
            " 00 00 00 00  00 00  00 00 00 00  10 00  00 00 00 00  00  05  00 00" +
            " 01 00 01 00 00 00 00 00" +
            " 03 00 00 00  03 00 02 00" +
            " 01 00 00 00  03 00 00 00  03 00 01 00  03 00 02 00"), payload);

        Assert.Equal(IcReadStatus.Ok, NegotiateMessage.ReadResponse(payload, out var hostFramework, out var hostMessage));
        Assert.Equal("3.0", hostFramework.ToString());
        Assert.Equal("3.2", hostMessage.ToString());
    }

    [Fact]
    public void HostListOrderDoesNotChangeTheChoice()
    {
        var payload = new byte[60];
        NegotiateMessage.WriteRequest(payload, [new(3, 0), new(1, 0)], [new(3, 2), new(1, 0), new(3, 1), new(3, 0)]);
        Assert.Equal(IcAnswerStatus.Answered, IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxShutdown, out var framework, out var service));
        Assert.Equal(new IcVersion(3, 0), framework);
        Assert.Equal(new IcVersion(3, 2), service);
    }

    [Fact]
    public void NoCommonFrameworkAnswersZeroCountsAndTheHostReportsNoSupportedVersions()
    {
        // Host offers fw {2.0}, hb {3.0}: Linux knows 3.0 and 1.0 only.
        var payload = new byte[44];
        NegotiateMessage.WriteRequest(payload, [new(2, 0)], [new(3, 0)]);
        var status = IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out var framework, out var service);

        Assert.Equal(IcAnswerStatus.AnsweredNoCommonVersion, status);
        Assert.True(status.ShouldSend());
        Assert.Equal(default, framework);
        Assert.Equal(default, service);
        // counts 0/0; Linux leaves {fc, 0} and {mc, 0} in the two slots.
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 24 00 00 00" +
            " 00 00 00 00  00 00  00 00 00 00  10 00  00 00 00 00  00  05  00 00" +
            " 00 00 00 00 00 00 00 00" +
            " 01 00 00 00  01 00 00 00"), payload);
        Assert.Equal(IcReadStatus.NoSupportedVersions, NegotiateMessage.ReadResponse(payload, out _, out _));
    }

    [Fact]
    public void CommonFrameworkButNoCommonServiceAlsoAnswersZeroCounts()
    {
        // fw {1.0, 3.0} matches 3.0; hb {5.0, 6.1} matches nothing.
        var payload = new byte[52];
        NegotiateMessage.WriteRequest(payload, IcVersions.HostFramework, [new(5, 0), new(6, 1)]);
        var status = IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out var framework, out var service);

        Assert.Equal(IcAnswerStatus.AnsweredNoCommonVersion, status);
        Assert.Equal(new IcVersion(3, 0), framework);
        Assert.Equal(default, service);
        Assert.Equal(IcBytes.Hex(
            "00 00 00 00  03 00 00 00  02 00 00 00  05 00 00 00  06 00 01 00"), payload[32..]);
        Assert.Equal(IcReadStatus.NoSupportedVersions, NegotiateMessage.ReadResponse(payload, out _, out _));
    }

    [Fact]
    public void EmptyListsAnswerZeroCountsWithoutWritingPastTheReceivedLength()
    {
        // Counts 0/0: 36 bytes, no room for either slot; Linux writes them past recvlen, which is never sent.
        var payload = new byte[36 + 8];
        var length = NegotiateMessage.WriteRequest(payload, [], []);
        Assert.Equal(36, length);
        payload.AsSpan(36).Fill(0xEE);
        var received = payload.AsSpan(0, 36);
        Assert.Equal(IcAnswerStatus.AnsweredNoCommonVersion, IcNegotiation.AnswerInPlace(received, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out _, out _));
        Assert.Equal(IcBytes.Hex("10 00"), payload[18..20]);
        Assert.Equal(0x05, payload[25]);
        Assert.All(payload[36..], b => Assert.Equal(0xEE, b));

        // One framework entry only (40 bytes): slot 0 written, slot 1 past the end is not.
        payload = new byte[48];
        NegotiateMessage.WriteRequest(payload, [new(2, 0)], []);
        payload.AsSpan(40).Fill(0xEE);
        Assert.Equal(IcAnswerStatus.AnsweredNoCommonVersion, IcNegotiation.AnswerInPlace(payload.AsSpan(0, 40), IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out _, out _));
        Assert.Equal(IcBytes.Hex("00 00 00 00 00 00 00 00  01 00 00 00"), payload[28..40]);
        Assert.All(payload[40..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void StatusAndVersionFieldsOfTheRequestAreLeftAsReceived()
    {
        var payload = IcBytes.Hex(WorkedExampleRequest);
        payload[0] = 0x7F;                       // pipe flags: Linux echoes whatever the host wrote
        payload[8] = 0x09;                       // icverframe major
        payload[14] = 0x08;                      // icvermsg major
        payload[20] = 0x42;                      // status
        payload[24] = 0x11;                      // transaction id
        payload[32] = 0x99;                      // reserved u32 of the negotiate body
        IcNegotiation.AnswerInPlace(payload, IcVersions.LinuxFramework, IcVersions.LinuxHeartbeat, out _, out _);
        Assert.Equal(0x7F, payload[0]);
        Assert.Equal(0x09, payload[8]);
        Assert.Equal(0x08, payload[14]);
        Assert.Equal(0x42, payload[20]);
        Assert.Equal(0x11, payload[24]);
        Assert.Equal(0x99, payload[32]);
        Assert.Equal(0x05, payload[25]);
    }

    [Fact]
    public void TryPickTakesOurNewestCommonVersion()
    {
        Assert.True(IcNegotiation.TryPick(IcVersions.LinuxShutdown, IcBytes.Hex("01 00 00 00  03 00 01 00  03 00 00 00"), out var chosen));
        Assert.Equal(new IcVersion(3, 1), chosen);
        Assert.False(IcNegotiation.TryPick(IcVersions.LinuxShutdown, IcBytes.Hex("03 00 03 00  02 00 00 00  03 00"), out chosen));
        Assert.Equal(default, chosen);
    }
}
