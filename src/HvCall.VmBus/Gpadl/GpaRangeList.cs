using System;
using System.Diagnostics.CodeAnalysis;

namespace HvCall.VmBus.Gpadl;

/// <summary>
/// Why a GPADL message, GPADL or ring split was refused, dropped or ignored. The host traces it; the guest only
/// ever sees GPADL_CREATED with STATUS_UNSUCCESSFUL, or no reply.
/// </summary>
/// <remarks>vmbus-datapath.md §2 ("Host side": OpenVMM <c>handle_gpadl_header_core</c>, <c>handle_gpadl_body</c>,
/// <c>Gpadl::append</c>, gparange <c>parse</c>).</remarks>
public enum GpadlError
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The message is shorter than its fixed part (GPADL_HEADER 20, GPADL_BODY 16, GPADL_TEARDOWN 16 bytes).</summary>
    TooShort,
    /// <summary>The message's <c>msgtype</c> is not the type the handler was called for.</summary>
    WrongMessageType,
    /// <summary>The <c>gpadl</c> id is already in progress or created (on any channel: bodies carry no relid).</summary>
    HandleInUse,
    /// <summary><c>range_buflen</c> is not a multiple of 8 or is below 16 (one range header plus one PFN).</summary>
    RangeBufferLength,
    /// <summary><c>rangecount</c> is 0.</summary>
    NoRanges,
    /// <summary>A range has <c>byte_count</c> 0.</summary>
    EmptyRange,
    /// <summary>A range has <c>byte_offset</c> above 0xFFF (it must lie inside the first page).</summary>
    RangeOffsetTooLarge,
    /// <summary>The ranges do not consume exactly <c>range_buflen</c>: too few PFNs for a range, or words left over.</summary>
    RangeInconsistent,
    /// <summary>A PFN is not below the partition's page count.</summary>
    PageOutsidePartition,
    /// <summary>No GPADL with this id is in progress (GPADL_BODY) or known (GPADL_TEARDOWN, lookup, mark in use).</summary>
    UnknownHandle,
    /// <summary>The GPADL exists but belongs to another channel (relid).</summary>
    WrongChannel,
    /// <summary>The GPADL is still in progress (bodies outstanding): it cannot be torn down or used yet.</summary>
    NotCreated,
    /// <summary>A teardown of the GPADL is already pending: it cannot be torn down again or used.</summary>
    TeardownPending,
}

/// <summary>
/// One range of a GPADL (<c>struct gpa_range</c>; OpenVMM <c>GpaRange</c>): <c>byte_count</c> bytes starting
/// <c>byte_offset</c> bytes into the first of its pages.
/// </summary>
/// <remarks>vmbus-datapath.md §2 ("Range encoding").</remarks>
public readonly struct GpaRange
{
    /// <summary>Creates a range view.</summary>
    /// <param name="byteCount">Bytes in the range (low dword of the range header).</param>
    /// <param name="byteOffset">Offset into the first page (high dword of the range header).</param>
    /// <param name="pfns">The range's 4 KiB frame numbers.</param>
    public GpaRange(uint byteCount, uint byteOffset, ReadOnlyMemory<ulong> pfns)
    {
        ByteCount = byteCount;
        ByteOffset = byteOffset;
        Pfns = pfns;
    }

    /// <summary><c>byte_count</c>: bytes in the range (never 0 once validated).</summary>
    public uint ByteCount { get; }

    /// <summary><c>byte_offset</c>: offset into the first page (≤ 0xFFF once validated).</summary>
    public uint ByteOffset { get; }

    /// <summary>The PFNs: exactly ceil((<c>byte_offset</c> + <c>byte_count</c>) / 4096) of them once validated.</summary>
    public ReadOnlyMemory<ulong> Pfns { get; }
}

/// <summary>
/// A complete, validated GPADL range buffer: <c>rangecount</c> ranges, each a range header word
/// (<c>byte_count</c> low dword, <c>byte_offset</c> high dword) followed by its PFNs, filling exactly
/// <c>range_buflen</c> / 8 words. Validated once, at construction; code after that trusts it.
/// </summary>
/// <remarks>vmbus-datapath.md §2 ("Range encoding"; OpenVMM <c>validate_gpa_ranges</c>/<c>parse</c>, stricter here:
/// no words may be left over).</remarks>
public sealed class GpaRangeList
{
    /// <summary>The GPADL page size: PFNs are 4 KiB frame numbers.</summary>
    public const int PageSize = 4096;

    /// <summary>The largest valid <c>byte_offset</c>: the range must start inside its first page.</summary>
    public const uint MaxByteOffset = PageSize - 1;

    private readonly ulong[] words;
    private readonly int[] starts;

    private GpaRangeList(ulong[] words, int[] starts, int pageCount)
    {
        this.words = words;
        this.starts = starts;
        PageCount = pageCount;
    }

    /// <summary>Number of ranges (<c>rangecount</c>).</summary>
    public int RangeCount => starts.Length;

    /// <summary>Total PFNs over all ranges.</summary>
    public int PageCount { get; }

    /// <summary>The raw range buffer (<c>range_buflen</c> / 8 words), as the guest sent it.</summary>
    public ReadOnlySpan<ulong> Words => words;

    /// <summary>The range at <paramref name="index"/> (0 ≤ index &lt; <see cref="RangeCount"/>).</summary>
    /// <param name="index">The range index.</param>
    public GpaRange this[int index]
    {
        get
        {
            var start = starts[index];
            var header = words[start];
            var end = index + 1 < starts.Length ? starts[index + 1] : words.Length;
            return new GpaRange((uint)header, (uint)(header >> 32), new ReadOnlyMemory<ulong>(words, start + 1, end - start - 1));
        }
    }

    /// <summary>
    /// Validates <paramref name="words"/> as <paramref name="rangeCount"/> ranges: each <c>byte_count</c> ≠ 0,
    /// <c>byte_offset</c> ≤ 0xFFF, exactly ceil((offset + count) / 4096) PFNs following, the ranges consuming every
    /// word, every PFN below <paramref name="partitionPages"/>. Never throws for any word values.
    /// </summary>
    /// <param name="rangeCount"><c>rangecount</c> from GPADL_HEADER.</param>
    /// <param name="words">The range buffer; the list keeps this array (the caller must not change it afterwards).</param>
    /// <param name="partitionPages">The partition's page count: valid PFNs are 0 … count − 1.</param>
    /// <param name="list">The validated list, or null.</param>
    /// <param name="error">Why the buffer was refused, or <see cref="GpadlError.None"/>.</param>
    /// <returns>Whether the buffer is valid.</returns>
    /// <remarks>vmbus-datapath.md §2 ("Host side … then every range is validated").</remarks>
    public static bool TryCreate(int rangeCount, ulong[] words, ulong partitionPages,
        [NotNullWhen(true)] out GpaRangeList? list, out GpadlError error)
    {
        ArgumentNullException.ThrowIfNull(words);
        list = null;
        if (rangeCount <= 0)
        {
            error = GpadlError.NoRanges;
            return false;
        }

        // Every range takes at least two words (header + one PFN): refuse an impossible count before sizing by it.
        if (rangeCount > words.Length / 2)
        {
            error = GpadlError.RangeInconsistent;
            return false;
        }

        var starts = new int[rangeCount];
        var position = 0;
        for (var range = 0; range < rangeCount; range++)
        {
            if (position >= words.Length)
            {
                error = GpadlError.RangeInconsistent;
                return false;
            }

            var header = words[position];
            var byteCount = (uint)header;
            var byteOffset = (uint)(header >> 32);
            if (byteCount == 0)
            {
                error = GpadlError.EmptyRange;
                return false;
            }

            if (byteOffset > MaxByteOffset)
            {
                error = GpadlError.RangeOffsetTooLarge;
                return false;
            }

            // Both terms are below 2^32, so the sum cannot overflow a ulong.
            var pages = ((ulong)byteOffset + byteCount + (PageSize - 1)) / PageSize;
            var available = (ulong)(words.Length - position - 1);
            if (pages > available)
            {
                error = GpadlError.RangeInconsistent;
                return false;
            }

            starts[range] = position;
            var first = position + 1;
            var end = checked(first + (int)pages);
            for (var i = first; i < end; i++)
            {
                if (words[i] >= partitionPages)
                {
                    error = GpadlError.PageOutsidePartition;
                    return false;
                }
            }

            position = end;
        }

        if (position != words.Length)
        {
            error = GpadlError.RangeInconsistent;
            return false;
        }

        list = new GpaRangeList(words, starts, words.Length - rangeCount);
        error = GpadlError.None;
        return true;
    }
}
