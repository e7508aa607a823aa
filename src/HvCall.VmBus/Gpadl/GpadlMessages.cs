using System;
using System.Buffers.Binary;
using HvCall.VmBus.Messages;

namespace HvCall.VmBus.Gpadl;

/// <summary>
/// The guest's split of one GPADL into GPADL_HEADER (type 8) and GPADL_BODY (type 9) messages, as Linux
/// <c>create_gpadl_header</c> builds them: always one range, <c>byte_offset</c> 0, <c>byte_count</c> = pages·4096,
/// <c>range_buflen</c> = 8 + 8·pages, <c>rangecount</c> 1; the header carries up to 26 PFNs, each body up to 28.
/// </summary>
/// <remarks>vmbus-datapath.md §2 ("How Linux builds it"; <c>MAX_SIZE_CHANNEL_MESSAGE</c> 240, HVV).</remarks>
public static class GpadlMessages
{
    /// <summary><c>MAX_SIZE_CHANNEL_MESSAGE</c>: the largest control message, 240 bytes.</summary>
    public const int MaxMessageSize = 240;

    /// <summary>Fixed part of GPADL_HEADER: header, relid @8, gpadl @12, range_buflen @16, rangecount @18.</summary>
    public const int HeaderFixedSize = 20;

    /// <summary>Fixed part of GPADL_BODY: header, msgnumber @8, gpadl @12; PFNs from @16.</summary>
    public const int BodyFixedSize = 16;

    /// <summary>Size of one range header (<c>byte_count</c> u32, <c>byte_offset</c> u32).</summary>
    public const int RangeHeaderSize = 8;

    /// <summary>PFNs in a GPADL_HEADER: (240 − 20 − 8) / 8 = 26.</summary>
    public const int HeaderMaxPfns = (MaxMessageSize - HeaderFixedSize - RangeHeaderSize) / 8;

    /// <summary>PFNs in a GPADL_BODY: (240 − 16) / 8 = 28.</summary>
    public const int BodyMaxPfns = (MaxMessageSize - BodyFixedSize) / 8;

    /// <summary>
    /// The most pages one single-range GPADL can describe: <c>range_buflen</c> = 8 + 8·pages must fit its u16,
    /// so (65535 − 8) / 8 = 8190.
    /// </summary>
    public const int MaxPages = (ushort.MaxValue - RangeHeaderSize) / 8;

    /// <summary>Whether a GPADL of <paramref name="pages"/> pages can be described (1 … <see cref="MaxPages"/>).</summary>
    /// <param name="pages">The page count.</param>
    public static bool CanDescribe(int pages) => pages is > 0 and <= MaxPages;

    /// <summary>Number of messages for <paramref name="pages"/> pages: 1 header + ceil(max(0, pages − 26) / 28) bodies.</summary>
    /// <param name="pages">1 … <see cref="MaxPages"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">pages is 0, negative or above <see cref="MaxPages"/>.</exception>
    public static int MessageCount(int pages)
    {
        CheckPages(pages);
        var rest = pages - HeaderMaxPfns;
        return rest <= 0 ? 1 : 1 + ((rest + BodyMaxPfns - 1) / BodyMaxPfns);
    }

    /// <summary>Length of the GPADL_HEADER for <paramref name="pages"/> pages: 28 + 8·min(pages, 26).</summary>
    /// <param name="pages">1 … <see cref="MaxPages"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">pages is out of range.</exception>
    public static int HeaderLength(int pages)
    {
        CheckPages(pages);
        return HeaderFixedSize + RangeHeaderSize + (8 * Math.Min(pages, HeaderMaxPfns));
    }

    /// <summary><c>range_buflen</c> for <paramref name="pages"/> pages: 8 + 8·pages.</summary>
    /// <param name="pages">1 … <see cref="MaxPages"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">pages is out of range.</exception>
    public static ushort RangeBufferLength(int pages)
    {
        CheckPages(pages);
        return (ushort)(RangeHeaderSize + (8 * pages));
    }

    internal static void CheckPages(int pages)
    {
        if (!CanDescribe(pages))
            throw new ArgumentOutOfRangeException(nameof(pages), pages, $"A GPADL has 1 … {MaxPages} pages.");
    }
}

/// <summary>
/// Writes the GPADL_HEADER and GPADL_BODY messages of one GPADL, one per call, without allocating. Create it
/// with the channel, the guest-chosen <c>gpadl</c> id (Linux: from 0xE1E10 upward) and the PFNs; then call
/// <see cref="TryWriteNext"/> until it returns false and post each message with HvCallPostMessage.
/// </summary>
/// <remarks>vmbus-datapath.md §2 (Linux <c>create_gpadl_header</c>, <c>__vmbus_establish_gpadl</c>: header then
/// bodies back to back, <c>msgnumber</c> never written, so 0).</remarks>
public ref struct GpadlMessageWriter
{
    private readonly ReadOnlySpan<ulong> pfns;
    private readonly uint childRelId;
    private readonly uint gpadl;
    private int written;
    private int messagesWritten;

    /// <summary>Starts the messages of one GPADL.</summary>
    /// <param name="childRelId">The channel (<c>child_relid</c> of GPADL_HEADER).</param>
    /// <param name="gpadl">The GPADL id, chosen by the guest.</param>
    /// <param name="pfns">The buffer's 4 KiB frame numbers, 1 … <see cref="GpadlMessages.MaxPages"/> of them.</param>
    /// <exception cref="ArgumentOutOfRangeException">No PFNs, or more than <c>range_buflen</c> (u16) can describe.</exception>
    public GpadlMessageWriter(uint childRelId, uint gpadl, ReadOnlySpan<ulong> pfns)
    {
        GpadlMessages.CheckPages(pfns.Length);
        this.pfns = pfns;
        this.childRelId = childRelId;
        this.gpadl = gpadl;
        written = 0;
        messagesWritten = 0;
    }

    /// <summary>Like the constructor, but returns false instead of throwing when the page count is out of range.</summary>
    /// <param name="childRelId">The channel.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <param name="pfns">The PFNs.</param>
    /// <param name="writer">The writer, or default.</param>
    /// <returns>Whether 1 ≤ pages ≤ <see cref="GpadlMessages.MaxPages"/>.</returns>
    public static bool TryCreate(uint childRelId, uint gpadl, ReadOnlySpan<ulong> pfns, out GpadlMessageWriter writer)
    {
        if (!GpadlMessages.CanDescribe(pfns.Length))
        {
            writer = default;
            return false;
        }

        writer = new GpadlMessageWriter(childRelId, gpadl, pfns);
        return true;
    }

    /// <summary>Total messages (header + bodies) this GPADL takes.</summary>
    public readonly int MessageCount => pfns.IsEmpty ? 0 : GpadlMessages.MessageCount(pfns.Length);

    /// <summary>Messages written so far.</summary>
    public readonly int MessagesWritten => messagesWritten;

    /// <summary>Whether every message has been written.</summary>
    public readonly bool IsComplete => messagesWritten >= MessageCount;

    /// <summary>Length of the next message, or 0 when complete.</summary>
    public readonly int NextLength => IsComplete ? 0
        : messagesWritten == 0 ? GpadlMessages.HeaderLength(pfns.Length)
        : GpadlMessages.BodyFixedSize + (8 * Math.Min(pfns.Length - written, GpadlMessages.BodyMaxPfns));

    /// <summary>
    /// Writes the next message at the start of <paramref name="destination"/>: first the GPADL_HEADER (relid @8,
    /// gpadl @12, range_buflen @16, rangecount 1 @18, byte_count @20, byte_offset 0 @24, PFNs from @28), then each
    /// GPADL_BODY (msgnumber 0 @8, gpadl @12, PFNs from @16). Bytes past <paramref name="length"/> are untouched.
    /// </summary>
    /// <param name="destination">At least <see cref="NextLength"/> bytes (240 always suffices).</param>
    /// <param name="length">The message's length, or 0 when complete.</param>
    /// <returns>False when every message has already been written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the next message.</exception>
    public bool TryWriteNext(Span<byte> destination, out int length)
    {
        length = NextLength;
        if (length == 0)
            return false;
        if (destination.Length < length)
            throw new ArgumentException($"The next GPADL message needs {length} bytes.", nameof(destination));

        var message = destination[..length];
        int pfnStart;
        if (messagesWritten == 0)
        {
            VmBusProtocol.WriteHeader(message, VmBusMessageType.GpadlHeader);
            BinaryPrimitives.WriteUInt32LittleEndian(message[8..], childRelId);
            BinaryPrimitives.WriteUInt32LittleEndian(message[12..], gpadl);
            BinaryPrimitives.WriteUInt16LittleEndian(message[16..], GpadlMessages.RangeBufferLength(pfns.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(message[18..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(message[20..], (uint)pfns.Length * GpaRangeList.PageSize);
            BinaryPrimitives.WriteUInt32LittleEndian(message[24..], 0);
            pfnStart = GpadlMessages.HeaderFixedSize + GpadlMessages.RangeHeaderSize;
        }
        else
        {
            VmBusProtocol.WriteHeader(message, VmBusMessageType.GpadlBody);
            BinaryPrimitives.WriteUInt32LittleEndian(message[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(message[12..], gpadl);
            pfnStart = GpadlMessages.BodyFixedSize;
        }

        var count = (length - pfnStart) / 8;
        var slots = message[pfnStart..];
        for (var i = 0; i < count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(slots[(8 * i)..], pfns[written + i]);

        written += count;
        messagesWritten++;
        return true;
    }
}
