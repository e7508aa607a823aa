using System;
using System.Globalization;
using HvCall.VmBus.Ic;
using Xunit;

namespace HvCall.VmBus.Tests.Ic;

/// <summary>Bytes typed by hand from vmbus-datapath.md §6, as hex pairs separated by spaces.</summary>
internal static class IcBytes
{
    /// <summary>Parses "01 00 28 00 …" (any whitespace) into bytes.</summary>
    public static byte[] Hex(string text)
    {
        var parts = text.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var bytes = new byte[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            bytes[i] = byte.Parse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return bytes;
    }
}

/// <summary>
/// The wire definitions of vmbus-datapath.md §6 (payload layout table): pipe header @0, icmsg_hdr @8 with every
/// field at its offset, body @28, the enum numbers, the version packing and the payload-length constants (§4 limit).
/// </summary>
public sealed class IcWireTests
{
    [Fact]
    public void PayloadOffsetsAreTheSheets()
    {
        Assert.Equal(8, IcPipeHeader.Size);
        Assert.Equal(20, IcMessageHeader.Size);
        Assert.Equal(0, IcFraming.PipeHeaderOffset);
        Assert.Equal(8, IcFraming.IcHeaderOffset);
        Assert.Equal(8, IcFraming.FrameworkVersionOffset);
        Assert.Equal(12, IcFraming.MessageTypeOffset);
        Assert.Equal(14, IcFraming.MessageVersionOffset);
        Assert.Equal(18, IcFraming.MessageSizeOffset);
        Assert.Equal(20, IcFraming.StatusOffset);
        Assert.Equal(24, IcFraming.TransactionIdOffset);
        Assert.Equal(25, IcFraming.FlagsOffset);
        Assert.Equal(28, IcFraming.BodyOffset);
        Assert.Equal(28, NegotiateMessage.FrameworkCountOffset);
        Assert.Equal(30, NegotiateMessage.MessageCountOffset);
        Assert.Equal(36, NegotiateMessage.VersionsOffset);
        Assert.Equal(28, HeartbeatMessage.SequenceOffset);
        Assert.Equal(28, ShutdownMessage.ReasonCodeOffset);
        Assert.Equal(32, ShutdownMessage.TimeoutOffset);
        Assert.Equal(36, ShutdownMessage.FlagsOffset);
        Assert.Equal(40, ShutdownMessage.DisplayMessageOffset);
    }

    [Fact]
    public void EnumNumbersAreTheSheets()
    {
        Assert.Equal(0, (ushort)IcMessageType.Negotiate);
        Assert.Equal(1, (ushort)IcMessageType.Heartbeat);
        Assert.Equal(2, (ushort)IcMessageType.KvpExchange);
        Assert.Equal(3, (ushort)IcMessageType.Shutdown);
        Assert.Equal(4, (ushort)IcMessageType.TimeSync);
        Assert.Equal(5, (ushort)IcMessageType.Vss);
        Assert.Equal(7, (ushort)IcMessageType.FileCopy);
        Assert.Equal(1, (byte)IcFlags.Transaction);
        Assert.Equal(2, (byte)IcFlags.Request);
        Assert.Equal(4, (byte)IcFlags.Response);
        Assert.Equal(0x03, (byte)IcFraming.RequestFlags);
        Assert.Equal(0x05, (byte)IcFraming.ResponseFlags);
        Assert.Equal(0u, (uint)IcStatus.Ok);
        Assert.Equal(0x80004005u, (uint)IcStatus.Fail);
        Assert.Equal(0x80070103u, (uint)IcStatus.NoMoreItems);
        Assert.Equal(0x80070032u, (uint)IcStatus.NotSupported);
        Assert.Equal(1u, IcPipeHeader.DataPacketType);
        Assert.Equal(0x80000000u, ShutdownMessage.ReasonFlagPlanned);
    }

    [Fact]
    public void VersionPrintsAndPacksAsLinux()
    {
        Assert.Equal("3.2", new IcVersion(3, 2).ToString());
        Assert.Equal("1.0", new IcVersion(1, 0).ToString());
        Assert.Equal(0x30002u, new IcVersion(3, 2).Packed);
        Assert.Equal(0x30000u, IcVersions.UtilFwVersion);
        Assert.Equal(0x10000u, IcVersions.UtilWs2k8FwVersion);
        Assert.Equal(new IcVersion(3, 0), IcVersion.FromPacked(IcVersions.UtilFwVersion));
        Assert.Equal(new IcVersion(0xFFFF, 0x0001), IcVersion.FromPacked(0xFFFF_0001));
        Assert.True(new IcVersion(3, 2).CompareTo(new IcVersion(3, 10)) < 0);
        Assert.True(new IcVersion(4, 0).CompareTo(new IcVersion(3, 65535)) > 0);

        var wire = new byte[4];
        new IcVersion(3, 2).WriteTo(wire);
        Assert.Equal(IcBytes.Hex("03 00 02 00"), wire);
        Assert.Equal(new IcVersion(0x0201, 0x0403), IcVersion.Read(IcBytes.Hex("01 02 03 04")));
    }

    [Fact]
    public void VersionListsAreTheSheets()
    {
        Assert.Equal([new(3, 0), new(1, 0)], IcVersions.LinuxFramework.ToArray());
        Assert.Equal([new(3, 0), new(1, 0)], IcVersions.LinuxHeartbeat.ToArray());
        Assert.Equal([new(3, 2), new(3, 1), new(3, 0), new(1, 0)], IcVersions.LinuxShutdown.ToArray());
        Assert.Equal([new(4, 0), new(3, 0), new(1, 0)], IcVersions.LinuxTimeSync.ToArray());
        Assert.Equal([new(1, 0), new(3, 0)], IcVersions.HostFramework.ToArray());
        Assert.Equal([new(3, 0)], IcVersions.HostHeartbeat.ToArray());
        Assert.Equal([new(1, 0), new(3, 0), new(3, 1), new(3, 2)], IcVersions.HostShutdown.ToArray());
    }

    [Fact]
    public void HeaderWritesEveryFieldAtItsOffset()
    {
        var payload = new byte[28];
        payload.AsSpan().Fill(0xEE);
        var header = new IcMessageHeader(new(3, 0), IcMessageType.Shutdown, new(3, 2), 0x080C, IcStatus.Fail, 0x7A, IcFraming.ResponseFlags);
        new IcPipeHeader(1, 0x820).WriteTo(payload);
        header.WriteTo(payload.AsSpan(8));
        Assert.Equal(IcBytes.Hex(
            "01 00 00 00 20 08 00 00  03 00 00 00 03 00 03 00 02 00 0C 08 05 40 00 80 7A 05 00 00"), payload);
        Assert.Equal(header, IcMessageHeader.Read(payload.AsSpan(8)));
        Assert.Equal(new IcPipeHeader(1, 0x820), IcPipeHeader.Read(payload));
        Assert.True(header.IsTransactionResponse);
        Assert.False((header with { Flags = IcFlags.Transaction | IcFlags.Request }).IsTransactionResponse);
    }

    [Fact]
    public void WriteHeadersRefusesBuffersAndPayloadsThatDoNotFit()
    {
        var header = IcMessageHeader.HostRequest(IcMessageType.Heartbeat, new(3, 0), new(3, 0), 40);
        Assert.Throws<ArgumentException>(() => IcFraming.WriteHeaders(new byte[67], header));
        Assert.Equal(68, IcFraming.WriteHeaders(new byte[68], header));
        var tooBig = header with { MessageSize = 4080 - 28 + 1 };
        Assert.Throws<ArgumentException>(() => IcFraming.WriteHeaders(new byte[8192], tooBig));
        Assert.Equal(4080, IcFraming.WriteHeaders(new byte[8192], header with { MessageSize = 4080 - 28 }));
        Assert.Throws<ArgumentException>(() => ShutdownMessage.WriteRequest(new byte[4096], default, default, 0, displayMessage: new byte[2049]));
    }

    [Fact]
    public void PayloadLengthsAreTheSheetsAndFitTheHostToGuestLimit()
    {
        // §4: host→guest packets, descriptor included, ≤ 4096 bytes.
        Assert.Equal(16, IcFraming.PacketDescriptorSize);
        Assert.Equal(4096, IcFraming.MaxPacketLength);
        Assert.Equal(4080, IcFraming.MaxPayloadLength);
        Assert.Equal(48, NegotiateMessage.HostHeartbeatRequestLength);
        Assert.Equal(60, NegotiateMessage.HostShutdownRequestLength);
        Assert.Equal(48, NegotiateMessage.RequestLength(2, 1));
        Assert.Equal(60, NegotiateMessage.RequestLength(2, 4));
        Assert.Equal(16, NegotiateMessage.ResponseBodySize);
        Assert.Equal(40, HeartbeatMessage.BodySize);
        Assert.Equal(16, HeartbeatMessage.OpenVmmBodySize);
        Assert.Equal(68, HeartbeatMessage.RequestLength);
        Assert.Equal(36, HeartbeatMessage.MinimumRequestLength);
        Assert.Equal(2060, ShutdownMessage.BodySize);
        Assert.Equal(2088, ShutdownMessage.RequestLength);
        Assert.Equal(2104, 16 + ShutdownMessage.RequestLength); // the sheet's "packet 16 + 8 + 20 + 2060 = 2104"
        foreach (var length in new[] { 48, 60, 68, 2088, NegotiateMessage.RequestLength(100, 100) })
            Assert.True(16 + length <= 4096, $"{length}-byte payload exceeds the 4096-byte packet limit");
    }

    [Fact]
    public void GuestHeaderReadNeeds28BytesAndIgnoresThePipeHeader()
    {
        var payload = IcBytes.Hex("EE EE EE EE EE EE EE EE  01 00 00 00 03 00 03 00 02 00 0C 08 00 00 00 00 00 03 00 00");
        Assert.True(IcFraming.TryReadRequest(payload, out var header));
        Assert.Equal(IcMessageType.Shutdown, header.MessageType);
        Assert.Equal(new IcVersion(1, 0), header.FrameworkVersion);
        Assert.Equal(new IcVersion(3, 2), header.MessageVersion);
        Assert.Equal((ushort)2060, header.MessageSize);
        Assert.False(IcFraming.TryReadRequest(payload.AsSpan(0, 27), out _));
    }

    [Fact]
    public void UnknownTypeIsAnsweredWithFailAndFlags05()
    {
        var payload = IcBytes.Hex("01 00 00 00 18 00 00 00  03 00 00 00 02 00 03 00 00 00 04 00 00 00 00 00 00 03 00 00  AA BB CC DD");
        Assert.Equal(IcAnswerStatus.Answered, IcFraming.AnswerUnsupportedInPlace(payload));
        Assert.Equal(IcBytes.Hex("01 00 00 00 18 00 00 00  03 00 00 00 02 00 03 00 00 00 04 00 05 40 00 80 00 05 00 00  AA BB CC DD"), payload);
        Assert.Equal(IcAnswerStatus.TooShortForHeader, IcFraming.AnswerUnsupportedInPlace(new byte[27]));
        Assert.True(IcAnswerStatus.AnsweredNoCommonVersion.ShouldSend());
        Assert.False(IcAnswerStatus.TooShortForBody.ShouldSend());
        Assert.True(IcReadStatus.UnexpectedMessageType.IsStale());
        Assert.False(IcReadStatus.NoSupportedVersions.IsStale());
    }
}
