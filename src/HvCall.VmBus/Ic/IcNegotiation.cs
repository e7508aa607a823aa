using System;
using System.Buffers.Binary;

namespace HvCall.VmBus.Ic;

/// <summary>
/// NEGOTIATE, guest role: answers the host's request in place as Linux <c>vmbus_prep_negotiate_resp</c> (MGMT)
/// does, so the caller sends the same buffer back with the whole received length (hv_utils
/// <c>vmbus_sendpacket(…, recvlen, …)</c>). The host-role writer and reader are <see cref="NegotiateMessage"/>.
/// </summary>
/// <remarks>
/// <para>vmbus-datapath.md §6, "Linux negotiate answer". Rules, in order: reject below 28 + 4 bytes, reject a count
/// above 100, reject when 28 + 8 + 4·(fc+mc) exceeds the received length. Otherwise walk OUR list in the order given
/// (newest first) and take the first version that equals, major and minor, any entry of the host's framework list;
/// only if one is found, likewise for the service list against the host's service entries. Then write
/// <c>icmsgsize</c> = 0x10, counts 1/1 (0/0 when either search failed), version[0] = framework, version[1] =
/// service, <c>icflags</c> = 0x05. <c>status</c>, <c>icverframe</c>/<c>icvermsg</c>, the pipe header and the stale
/// entries after version[1] stay as received.</para>
/// <para>On no match Linux still fills version[0]/version[1]: an unmatched slot holds {count, 0} (its search
/// variable starts as the host's count); this class writes the same bytes. Linux writes both slots into its
/// 4096-byte receive buffer even when the received length is shorter, but sends only the received length, so
/// here a slot that lies past the received payload is simply not written; the bytes on the wire are the same.</para>
/// <para>Where this differs from Linux (kept as the sheet states it, "rejects"): for a NEGOTIATE of 28..31 bytes
/// Linux still answers (flags 0x05, nothing else changed), and for the count/length rejects it answers with
/// <c>icmsgsize</c> 0x10, counts 0/0 and slots {fc, 0}, {mc, 0}. Here those cases return a reject status and leave
/// the payload untouched; the host sees no answer instead of "no supported versions".</para>
/// </remarks>
public static class IcNegotiation
{
    /// <summary>The <c>icmsgsize</c> of every answer Linux writes (0x10 = 16).</summary>
    public const ushort AnswerMessageSize = NegotiateMessage.ResponseBodySize;

    /// <summary>Guest role: answers a NEGOTIATE in place (see the class remarks for every rule).</summary>
    /// <param name="payload">The received payload (after the descriptor), rewritten in place; send all of it back.</param>
    /// <param name="frameworkVersions">Our framework versions, newest first (Linux: <see cref="IcVersions.LinuxFramework"/>).</param>
    /// <param name="serviceVersions">Our service versions, newest first (e.g. <see cref="IcVersions.LinuxShutdown"/>).</param>
    /// <param name="framework">The chosen framework version, or default when none matched.</param>
    /// <param name="service">The chosen service version, or default when none matched.</param>
    /// <returns>
    /// <see cref="IcAnswerStatus.Answered"/> (counts 1/1), <see cref="IcAnswerStatus.AnsweredNoCommonVersion"/>
    /// (counts 0/0; still send it), or a reject status with the payload untouched.
    /// </returns>
    public static IcAnswerStatus AnswerInPlace(
        Span<byte> payload,
        ReadOnlySpan<IcVersion> frameworkVersions,
        ReadOnlySpan<IcVersion> serviceVersions,
        out IcVersion framework,
        out IcVersion service)
    {
        framework = default;
        service = default;
        var check = IcFraming.CheckRequest(payload, IcMessageType.Negotiate);
        if (check != IcAnswerStatus.Answered)
            return check;
        if (payload.Length < NegotiateMessage.MessageCountOffset + sizeof(ushort))
            return IcAnswerStatus.TooShortForCounts;

        // Copy the counts once; every later bound comes from these locals.
        int frameworkCount = BinaryPrimitives.ReadUInt16LittleEndian(payload[NegotiateMessage.FrameworkCountOffset..]);
        int serviceCount = BinaryPrimitives.ReadUInt16LittleEndian(payload[NegotiateMessage.MessageCountOffset..]);
        if (frameworkCount > NegotiateMessage.MaxVersionCount || serviceCount > NegotiateMessage.MaxVersionCount)
            return IcAnswerStatus.TooManyVersions;
        if (NegotiateMessage.RequestLength(frameworkCount, serviceCount) > payload.Length)
            return IcAnswerStatus.VersionListBeyondPacket;

        var table = payload.Slice(NegotiateMessage.VersionsOffset, IcVersion.Size * (frameworkCount + serviceCount));
        var hostFramework = table[..(IcVersion.Size * frameworkCount)];
        var hostService = table[(IcVersion.Size * frameworkCount)..];

        var frameworkFound = TryPick(frameworkVersions, hostFramework, out var chosenFramework);
        var serviceFound = false;
        var chosenService = default(IcVersion);
        if (frameworkFound)
            serviceFound = TryPick(serviceVersions, hostService, out chosenService);
        var found = frameworkFound && serviceFound;

        BinaryPrimitives.WriteUInt16LittleEndian(payload[IcFraming.MessageSizeOffset..], AnswerMessageSize);
        var count = (ushort)(found ? 1 : 0);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[NegotiateMessage.FrameworkCountOffset..], count);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[NegotiateMessage.MessageCountOffset..], count);
        var slot0 = frameworkFound ? chosenFramework : new IcVersion((ushort)frameworkCount, 0);
        var slot1 = serviceFound ? chosenService : new IcVersion((ushort)serviceCount, 0);
        WriteSlot(payload, NegotiateMessage.VersionsOffset, slot0);
        WriteSlot(payload, NegotiateMessage.VersionsOffset + IcVersion.Size, slot1);
        IcFraming.MarkResponse(payload);

        if (frameworkFound)
            framework = chosenFramework;
        if (serviceFound)
            service = chosenService;
        return found ? IcAnswerStatus.Answered : IcAnswerStatus.AnsweredNoCommonVersion;
    }

    /// <summary>
    /// Linux's choice rule on its own: the first of <paramref name="ours"/> (newest first) that equals any entry of
    /// <paramref name="hostEntries"/>; the host's order does not matter.
    /// </summary>
    /// <param name="ours">Our versions, newest first.</param>
    /// <param name="hostEntries">The host's list as wire entries, 4 bytes each (a trailing partial entry is ignored).</param>
    /// <param name="chosen">The chosen version, or default.</param>
    /// <returns>True when a common version exists.</returns>
    public static bool TryPick(ReadOnlySpan<IcVersion> ours, ReadOnlySpan<byte> hostEntries, out IcVersion chosen)
    {
        var entries = hostEntries.Length / IcVersion.Size;
        foreach (var candidate in ours)
        {
            for (var j = 0; j < entries; j++)
            {
                if (IcVersion.Read(hostEntries[(j * IcVersion.Size)..]) == candidate)
                {
                    chosen = candidate;
                    return true;
                }
            }
        }
        chosen = default;
        return false;
    }

    private static void WriteSlot(Span<byte> payload, int offset, IcVersion version)
    {
        if (offset + IcVersion.Size <= payload.Length)
            version.WriteTo(payload[offset..]);
    }
}
