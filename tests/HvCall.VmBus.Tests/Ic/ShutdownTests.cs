using System;
using System.Buffers.Binary;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>
/// SHUTDOWN in both roles (vmbus-datapath.md §6, "Shutdown (type 3)"): OpenVMM's request (reason
/// SHTDN_REASON_FLAG_PLANNED, timeout 0, flags, flags 0x03, 2060-byte body), Linux's flag table and status, and the
/// host reading the status back.
/// </summary>
public sealed class ShutdownTests
{
    private static readonly IcVersion V30 = new(3, 0);
    private static readonly IcVersion V32 = new(3, 2);

    private static byte[] Request(uint flags)
    {
        var payload = new byte[ShutdownMessage.RequestLength];
        ShutdownMessage.WriteRequest(payload, V30, V32, (ShutdownFlags)flags);
        return payload;
    }

    [Fact]
    public void HostWritesOpenVmmsRequest()
    {
        var payload = new byte[2100];
        payload.AsSpan().Fill(0xEE);
        var length = ShutdownMessage.WriteRequest(payload, V30, V32, ShutdownFlags.Restart | ShutdownFlags.Force, displayMessage: "bye"u8);

        Assert.Equal(2088, length);
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 20 08 00 00" +                                          // pipe {1, 2080}
            " 03 00 00 00  03 00  03 00 02 00  0C 08  00 00 00 00  00  03  00 00" + // fw 3.0, type 3, msg 3.2, size 2060, flags 0x03
            " 00 00 00 80" +                                                     // reason SHTDN_REASON_FLAG_PLANNED
            " 00 00 00 00" +                                                     // timeout 0
            " 03 00 00 00" +                                                     // flags restart|force
            " 62 79 65 00"), payload[..44]);                                     // "bye", then zeros
        Assert.All(payload[44..2088], b => Assert.Equal(0, b));
        Assert.All(payload[2088..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void HostWritesCallerReasonAndTimeout()
    {
        var payload = new byte[2088];
        ShutdownMessage.WriteRequest(payload, V30, V32, ShutdownFlags.PowerOff, reasonCode: 0x1234_5678, timeoutSeconds: 30);
        Assert.Equal(IcBytes.Hex("78 56 34 12  1E 00 00 00  00 00 00 00"), payload[28..40]);
    }

    [Theory]
    [InlineData(0u, ShutdownAction.PowerOff, 0x00000000u, false)]
    [InlineData(1u, ShutdownAction.PowerOff, 0x00000000u, true)]
    [InlineData(2u, ShutdownAction.Reboot, 0x00000000u, false)]
    [InlineData(3u, ShutdownAction.Reboot, 0x00000000u, true)]
    [InlineData(4u, ShutdownAction.Hibernate, 0x80004005u, false)] // our guest cannot hibernate
    [InlineData(5u, ShutdownAction.Hibernate, 0x80004005u, true)]
    [InlineData(6u, ShutdownAction.Unknown, 0x80004005u, false)]
    [InlineData(7u, ShutdownAction.Unknown, 0x80004005u, true)]
    [InlineData(8u, ShutdownAction.Unknown, 0x80004005u, false)]
    [InlineData(0xFFFF_FFFFu, ShutdownAction.Unknown, 0x80004005u, true)]
    public void GuestAppliesLinuxsFlagTable(uint flags, ShutdownAction action, uint status, bool force)
    {
        var payload = Request(flags);
        Assert.Equal(IcAnswerStatus.Answered, ShutdownMessage.AnswerInPlace(payload, out var request));

        Assert.Equal(action, request.Action);
        Assert.Equal(force, request.Force);
        Assert.Equal((ShutdownFlags)flags, request.Flags);
        Assert.Equal(0x80000000u, request.ReasonCode);
        Assert.Equal(0u, request.TimeoutSeconds);
        Assert.Equal(status, (uint)request.Status);
        Assert.Equal(status, BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(20)));
        Assert.Equal(0x05, payload[25]);

        Assert.Equal(IcReadStatus.Ok, ShutdownMessage.ReadResponse(payload, out var hostStatus));
        Assert.Equal(status, (uint)hostStatus);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(5u)]
    public void HibernateSucceedsWhenTheGuestSupportsIt(uint flags)
    {
        var payload = Request(flags);
        Assert.Equal(IcAnswerStatus.Answered, ShutdownMessage.AnswerInPlace(payload, out var request, hibernationSupported: true));
        Assert.Equal(IcStatus.Ok, request.Status);
        Assert.Equal(IcBytes.Hex("00 00 00 00"), payload[20..24]);
    }

    [Fact]
    public void GuestChangesOnlyStatusAndFlags()
    {
        var payload = Request(4);
        payload[20] = 0x99; // whatever status the host wrote is replaced
        payload[100] = 0x42;
        var before = (byte[])payload.Clone();
        ShutdownMessage.AnswerInPlace(payload, out _);
        for (var i = 0; i < payload.Length; i++)
        {
            if (i is >= 20 and < 24 or 25)
                continue;
            Assert.True(before[i] == payload[i], $"byte {i} changed");
        }
        Assert.Equal(IcBytes.Hex("05 40 00 80  00  05"), payload[20..26]);
    }

    [Fact]
    public void ClassifyAndStatusForMatchTheTable()
    {
        Assert.Equal(ShutdownAction.PowerOff, ShutdownMessage.Classify(ShutdownFlags.PowerOff));
        Assert.Equal(ShutdownAction.Reboot, ShutdownMessage.Classify(ShutdownFlags.Restart));
        Assert.Equal(ShutdownAction.Hibernate, ShutdownMessage.Classify(ShutdownFlags.Hibernate | ShutdownFlags.Force));
        Assert.Equal(ShutdownAction.Unknown, ShutdownMessage.Classify(ShutdownFlags.Hibernate | ShutdownFlags.Restart));
        Assert.Equal(IcStatus.Ok, ShutdownMessage.StatusFor(ShutdownAction.Reboot, hibernationSupported: false));
        Assert.Equal(IcStatus.Fail, ShutdownMessage.StatusFor(ShutdownAction.Hibernate, hibernationSupported: false));
        Assert.Equal(IcStatus.Ok, ShutdownMessage.StatusFor(ShutdownAction.Hibernate, hibernationSupported: true));
        Assert.Equal(IcStatus.Fail, ShutdownMessage.StatusFor(ShutdownAction.Unknown, hibernationSupported: true));
    }

    [Fact]
    public void HostReadsTheStatusOfAMinimalAnswer()
    {
        // The host needs only the header: a 28-byte answer with icmsgsize 0 and status E_FAIL.
        var answer = IcBytes.Hex("01 00 00 00 14 00 00 00  03 00 00 00 03 00 03 00 02 00 00 00 05 40 00 80 00 05 00 00");
        Assert.Equal(IcReadStatus.Ok, ShutdownMessage.ReadResponse(answer, out var status));
        Assert.Equal(IcStatus.Fail, status);

        answer[12] = 1; // a heartbeat answer on this channel: stale
        Assert.Equal(IcReadStatus.UnexpectedMessageType, ShutdownMessage.ReadResponse(answer, out status));
        Assert.Equal(default, status);
        answer[12] = 3;
        answer[25] = 0x03;
        Assert.Equal(IcReadStatus.NotTransactionResponse, ShutdownMessage.ReadResponse(answer, out _));
    }

    [Fact]
    public void TheFullRequestFitsOneHostToGuestPacket()
    {
        // 16 + 8 + 20 + 2060 = 2104 ≤ 4096 (§4), already a multiple of 8.
        Assert.Equal(2104, IcFraming.PacketDescriptorSize + ShutdownMessage.RequestLength);
        Assert.Equal(0, (16 + 2088) % 8);
        Assert.True(16 + 2088 <= 4096);
    }
}
