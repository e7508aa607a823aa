using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using HvCall.VmBus.Messages;

namespace HvCall.VmBus.Gpadl;

/// <summary>
/// The host's GPADL bookkeeping, as OpenVMM's VMBus server keeps it: reassembles GPADL_HEADER + GPADL_BODY
/// messages keyed by the guest-chosen <c>gpadl</c> id, validates the range buffer once when it is complete, and
/// answers GPADL_TEARDOWN, deferring it while an open channel's ring uses the GPADL. Every guest byte sequence
/// yields a status, never an exception. Not thread-safe: one owner (the VMBus server actor) drives it.
/// </summary>
/// <remarks>
/// vmbus-datapath.md §2 ("Host side": OpenVMM <c>handle_gpadl_header_core</c>, <c>handle_gpadl_body</c>,
/// <c>Gpadl::append</c>, gparange <c>parse</c>) and §9 step 1. Stricter than OpenVMM in two places: a gpadl id is
/// unique across all channels whether in progress or created, and the ranges must consume every word of
/// <c>range_buflen</c>.
/// </remarks>
public sealed class GpadlTable
{
    private readonly Dictionary<uint, Entry> entries = [];

    /// <summary>Creates an empty table for a partition of <paramref name="partitionPages"/> 4 KiB pages.</summary>
    /// <param name="partitionPages">The partition's page count: valid PFNs are 0 … count − 1.</param>
    public GpadlTable(ulong partitionPages) => PartitionPages = partitionPages;

    /// <summary>The partition's page count; a PFN at or above it is refused (<see cref="GpadlError.PageOutsidePartition"/>).</summary>
    public ulong PartitionPages { get; }

    /// <summary>GPADLs held: in progress, created, or created with a teardown pending.</summary>
    public int Count => entries.Count;

    /// <summary>
    /// Handles a GPADL_HEADER (the whole message, header included). Fixed fields: relid @8, gpadl @12,
    /// <c>range_buflen</c> u16 @16, <c>rangecount</c> u16 @18; range words from @20. Whole 8-byte words beyond what
    /// <c>range_buflen</c> needs, and any partial trailing word, are ignored ("some clients (e.g. UEFI) always pass the
    /// maximum message length"). <c>range_buflen</c> (multiple of 8, ≥ 16) and <c>rangecount</c> (≥ 1) are checked
    /// here, the range contents once complete. Allocates the range buffer (≤ 8 KiB, sized by the u16).
    /// </summary>
    /// <param name="message">The message as posted, at least 20 bytes for anything but <see cref="GpadlError.TooShort"/>.</param>
    /// <returns>Pending, Created or Refused (reply GPADL_CREATED for the last two).</returns>
    /// <remarks>vmbus-datapath.md §2 (GPADL_HEADER layout; "Host side").</remarks>
    public GpadlResult OnHeader(ReadOnlySpan<byte> message)
    {
        var relId = message.Length >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) : 0;
        var gpadl = message.Length >= 16 ? BinaryPrimitives.ReadUInt32LittleEndian(message[12..]) : 0;
        if (message.Length < VmBusProtocol.MinimumSize(VmBusMessageType.GpadlHeader))
            return Refuse(GpadlError.TooShort, relId, gpadl);
        if (VmBusProtocol.TypeOf(message) != VmBusMessageType.GpadlHeader)
            return Refuse(GpadlError.WrongMessageType, relId, gpadl);
        if (entries.ContainsKey(gpadl))
            return Refuse(GpadlError.HandleInUse, relId, gpadl);

        var rangeBufferLength = BinaryPrimitives.ReadUInt16LittleEndian(message[16..]);
        var rangeCount = BinaryPrimitives.ReadUInt16LittleEndian(message[18..]);
        if (rangeBufferLength % 8 != 0 || rangeBufferLength < 16)
            return Refuse(GpadlError.RangeBufferLength, relId, gpadl);
        if (rangeCount == 0)
            return Refuse(GpadlError.NoRanges, relId, gpadl);

        var entry = new Entry(relId, rangeCount, new ulong[rangeBufferLength / 8]);
        entry.Append(message[GpadlMessages.HeaderFixedSize..]);
        if (!entry.IsFull)
        {
            entries.Add(gpadl, entry);
            return new GpadlResult(GpadlOutcome.Pending, GpadlError.None, relId, gpadl);
        }

        return Complete(entry, gpadl, stored: false);
    }

    /// <summary>
    /// Handles a GPADL_BODY (the whole message): <c>msgnumber</c> @8 (ignored, as OpenVMM), gpadl @12, PFNs from @16.
    /// Bodies carry no relid, so they are routed by gpadl id alone. Words beyond the remaining capacity are ignored.
    /// </summary>
    /// <param name="message">The message as posted.</param>
    /// <returns>
    /// Pending, Created or Refused (reply GPADL_CREATED with the header's relid), or Dropped (no GPADL in progress
    /// with that id, a short message or a wrong type: no reply, as OpenVMM).
    /// </returns>
    /// <remarks>vmbus-datapath.md §2 (GPADL_BODY layout; "A body for an unknown gpadl id is dropped with no reply").</remarks>
    public GpadlResult OnBody(ReadOnlySpan<byte> message)
    {
        var gpadl = message.Length >= 16 ? BinaryPrimitives.ReadUInt32LittleEndian(message[12..]) : 0;
        if (message.Length < VmBusProtocol.MinimumSize(VmBusMessageType.GpadlBody))
            return new GpadlResult(GpadlOutcome.Dropped, GpadlError.TooShort, 0, gpadl);
        if (VmBusProtocol.TypeOf(message) != VmBusMessageType.GpadlBody)
            return new GpadlResult(GpadlOutcome.Dropped, GpadlError.WrongMessageType, 0, gpadl);
        if (!entries.TryGetValue(gpadl, out var entry) || entry.Ranges is not null)
            return new GpadlResult(GpadlOutcome.Dropped, GpadlError.UnknownHandle, 0, gpadl);

        entry.Append(message[GpadlMessages.BodyFixedSize..]);
        return entry.IsFull
            ? Complete(entry, gpadl, stored: true)
            : new GpadlResult(GpadlOutcome.Pending, GpadlError.None, entry.ChildRelId, gpadl);
    }

    /// <summary>Handles a GPADL_TEARDOWN message: relid @8, gpadl @12 (16 bytes); see <see cref="Teardown"/>.</summary>
    /// <param name="message">The message as posted.</param>
    /// <returns>As <see cref="Teardown"/>; Unknown with <see cref="GpadlError.TooShort"/> or
    /// <see cref="GpadlError.WrongMessageType"/> for a malformed message.</returns>
    /// <remarks>vmbus-datapath.md §2 (GPADL_TEARDOWN 16 bytes).</remarks>
    public GpadlTeardownResult OnTeardown(ReadOnlySpan<byte> message)
    {
        var gpadl = message.Length >= 16 ? BinaryPrimitives.ReadUInt32LittleEndian(message[12..]) : 0;
        if (message.Length < VmBusProtocol.MinimumSize(VmBusMessageType.GpadlTeardown))
            return new GpadlTeardownResult(GpadlTeardownOutcome.Unknown, GpadlError.TooShort, gpadl);
        if (VmBusProtocol.TypeOf(message) != VmBusMessageType.GpadlTeardown)
            return new GpadlTeardownResult(GpadlTeardownOutcome.Unknown, GpadlError.WrongMessageType, gpadl);
        return Teardown(BinaryPrimitives.ReadUInt32LittleEndian(message[8..]), gpadl);
    }

    /// <summary>
    /// Tears down a created GPADL of channel <paramref name="childRelId"/>. Free: removed, reply GPADL_TORNDOWN now.
    /// In use (<see cref="TryMarkInUse"/>): marked, Deferred; <see cref="Release"/> reports when to reply. Anything
    /// else (unknown id, another channel's GPADL, one still in progress, a second teardown) is Unknown: no reply,
    /// as OpenVMM, which returns an error for these and sends nothing.
    /// </summary>
    /// <param name="childRelId">The channel named by GPADL_TEARDOWN.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <returns>TornDown, Deferred or Unknown with a reason.</returns>
    /// <remarks>vmbus-datapath.md §2 ("TEARDOWN of a GPADL still in use … is deferred until the device releases it,
    /// then TORNDOWN"), §9 step 1.</remarks>
    public GpadlTeardownResult Teardown(uint childRelId, uint gpadl)
    {
        var error = Check(childRelId, gpadl, out var entry);
        if (error != GpadlError.None)
            return new GpadlTeardownResult(GpadlTeardownOutcome.Unknown, error, gpadl);
        if (entry!.UseCount > 0)
        {
            entry.TeardownPending = true;
            return new GpadlTeardownResult(GpadlTeardownOutcome.Deferred, GpadlError.None, gpadl);
        }

        entries.Remove(gpadl);
        return new GpadlTeardownResult(GpadlTeardownOutcome.TornDown, GpadlError.None, gpadl);
    }

    /// <summary>
    /// Marks a created GPADL of channel <paramref name="childRelId"/> as used, e.g. as the ring of a channel being
    /// opened (OPENCHANNEL <c>ringbuffer_gpadlhandle</c>). Uses nest; each needs one <see cref="Release"/>.
    /// </summary>
    /// <param name="childRelId">The channel that uses it.</param>
    /// <param name="gpadl">The GPADL id.</param>
    /// <param name="error">Why not: UnknownHandle, WrongChannel, NotCreated or TeardownPending.</param>
    /// <returns>Whether the GPADL is now marked.</returns>
    /// <remarks>vmbus-datapath.md §1 (OPENCHANNEL: "already acknowledged by GPADL_CREATED"), §9 step 2.</remarks>
    public bool TryMarkInUse(uint childRelId, uint gpadl, out GpadlError error)
    {
        error = Check(childRelId, gpadl, out var entry);
        if (error != GpadlError.None)
            return false;
        entry!.UseCount++;
        return true;
    }

    /// <summary>
    /// Ends one use begun by <see cref="TryMarkInUse"/> (the channel closed). When the last use ends and a teardown
    /// was deferred, the GPADL is removed and the caller must now send GPADL_TORNDOWN(<paramref name="gpadl"/>).
    /// </summary>
    /// <param name="gpadl">The GPADL id.</param>
    /// <returns>Whether a deferred teardown completed: reply GPADL_TORNDOWN now.</returns>
    /// <exception cref="InvalidOperationException">The GPADL is not marked in use (a host bug, not guest input).</exception>
    /// <remarks>vmbus-datapath.md §2 (deferred TEARDOWN), §1 (CLOSECHANNEL then GPADL_TEARDOWN).</remarks>
    public bool Release(uint gpadl)
    {
        if (!entries.TryGetValue(gpadl, out var entry) || entry.UseCount == 0)
            throw new InvalidOperationException($"GPADL 0x{gpadl:X} is not in use.");
        entry.UseCount--;
        if (entry.UseCount > 0 || !entry.TeardownPending)
            return false;
        entries.Remove(gpadl);
        return true;
    }

    /// <summary>
    /// Drops every GPADL of channel <paramref name="childRelId"/> that no open channel uses, with no reply: the guest released
    /// the relid of a rescinded channel (RELID_RELEASED), and a Linux guest skips GPADL_TEARDOWN once the channel is
    /// rescinded, so the host frees what the channel's GPADLs held itself. GPADLs in progress go too.
    /// </summary>
    /// <param name="childRelId">The released channel.</param>
    /// <returns>How many GPADLs were dropped.</returns>
    /// <remarks>vmbus-datapath.md §1 (RESCIND_CHANNELOFFER: "GPADL_TEARDOWN is skipped once <c>channel->rescind</c> is set";
    /// OpenVMM: accepted GPADLs "stay until the guest releases the relid").</remarks>
    public int ReleaseChannel(uint childRelId)
    {
        var dropped = new List<uint>();
        foreach (var (gpadl, entry) in entries)
        {
            if (entry.ChildRelId == childRelId && entry.UseCount == 0)
                dropped.Add(gpadl);
        }
        foreach (var gpadl in dropped)
            entries.Remove(gpadl);
        return dropped.Count;
    }

    /// <summary>Looks up a created GPADL (a deferred teardown still counts until it completes).</summary>
    /// <param name="gpadl">The GPADL id.</param>
    /// <param name="childRelId">The channel whose GPADL_HEADER created it.</param>
    /// <param name="ranges">Its validated ranges and PFNs.</param>
    /// <returns>False for an unknown or in-progress id.</returns>
    /// <remarks>vmbus-datapath.md §2, §9 step 2 (OPENCHANNEL resolves the ring GPADL).</remarks>
    public bool TryGetCreated(uint gpadl, out uint childRelId, [NotNullWhen(true)] out GpaRangeList? ranges)
    {
        if (entries.TryGetValue(gpadl, out var entry) && entry.Ranges is not null)
        {
            childRelId = entry.ChildRelId;
            ranges = entry.Ranges;
            return true;
        }

        childRelId = 0;
        ranges = null;
        return false;
    }

    /// <summary>Whether a created GPADL is marked in use by <see cref="TryMarkInUse"/>.</summary>
    /// <param name="gpadl">The GPADL id.</param>
    public bool IsInUse(uint gpadl) => entries.TryGetValue(gpadl, out var entry) && entry.UseCount > 0;

    private GpadlResult Complete(Entry entry, uint gpadl, bool stored)
    {
        if (GpaRangeList.TryCreate(entry.RangeCount, entry.Words, PartitionPages, out var ranges, out var error))
        {
            entry.Ranges = ranges;
            if (!stored)
                entries.Add(gpadl, entry);
            return new GpadlResult(GpadlOutcome.Created, GpadlError.None, entry.ChildRelId, gpadl);
        }

        if (stored)
            entries.Remove(gpadl);
        return Refuse(error, entry.ChildRelId, gpadl);
    }

    private GpadlError Check(uint childRelId, uint gpadl, out Entry? entry)
    {
        if (!entries.TryGetValue(gpadl, out entry))
            return GpadlError.UnknownHandle;
        if (entry.ChildRelId != childRelId)
            return GpadlError.WrongChannel;
        if (entry.Ranges is null)
            return GpadlError.NotCreated;
        return entry.TeardownPending ? GpadlError.TeardownPending : GpadlError.None;
    }

    private static GpadlResult Refuse(GpadlError error, uint relId, uint gpadl) =>
        new(GpadlOutcome.Refused, error, relId, gpadl);

    /// <summary>One GPADL: in progress while <see cref="Ranges"/> is null, created after.</summary>
    private sealed class Entry(uint childRelId, ushort rangeCount, ulong[] words)
    {
        private int filled;

        public uint ChildRelId { get; } = childRelId;
        public ushort RangeCount { get; } = rangeCount;
        public ulong[] Words { get; } = words;
        public GpaRangeList? Ranges { get; set; }
        public int UseCount { get; set; }
        public bool TeardownPending { get; set; }
        public bool IsFull => filled == Words.Length;

        /// <summary>Copies whole little-endian words, up to the remaining capacity; the rest is ignored.</summary>
        public void Append(ReadOnlySpan<byte> data)
        {
            var count = Math.Min(data.Length / 8, Words.Length - filled);
            for (var i = 0; i < count; i++)
                Words[filled + i] = BinaryPrimitives.ReadUInt64LittleEndian(data[(8 * i)..]);
            filled += count;
        }
    }
}
