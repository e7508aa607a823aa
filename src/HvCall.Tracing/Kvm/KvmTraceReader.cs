using System;
using System.Buffers;
using System.IO;

namespace HvCall.Tracing.Kvm;

/// <summary>Options of <see cref="KvmTraceReader"/>.</summary>
public sealed record KvmReaderOptions
{
    /// <summary>The default buffer: 1 MiB, which is also the longest line read (a longer one is counted and skipped).</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>The read buffer's size in bytes (at least 256); memory use does not depend on the input's size.</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>
    /// Threads a file is summarised on (<see cref="KvmTraceSummarizer.SummarizeFile"/>); 0 (the default) for one per
    /// processor. Reading a stream is always sequential.
    /// </summary>
    public int Workers { get; init; }

    /// <summary>The smallest slice of a file worth a thread of its own (default 4 MiB); smaller files are read on one.</summary>
    public long MinChunkBytes { get; init; } = 4 << 20;
}

/// <summary>What reading an input found, apart from its lines.</summary>
/// <param name="Lines">Lines read (a line the reader rejoined from two halves counts twice).</param>
/// <param name="Bytes">Bytes read.</param>
/// <param name="EndedInsideLine">The input did not end with a line feed: a truncated file, or a last line cut short.</param>
/// <param name="Binary">The input starts with binary data (a NUL byte in its first 4 KiB) and was not read as text.</param>
public readonly record struct KvmReadResult(long Lines, long Bytes, bool EndedInsideLine, bool Binary);

/// <summary>
/// Reads a KVM trace log from a stream (a file, stdin) in one pooled buffer: lines are split with vector compares
/// (<see cref="NewlineFinder"/>), parsed (<see cref="KvmLineParser"/>), paired (trace-formats.md §3) and handed to a sink.
/// Memory is constant in the size of the input.
/// </summary>
/// <remarks>
/// A file of binary data (for instance a <c>trace.dat</c> or <c>perf.data</c> instead of their text) is recognised by
/// a NUL byte in its first 4 KiB and not read further; binary bytes later on make the lines they are in unparsed
/// (<see cref="KvmUnparsedReason.Binary"/>). A last line without its line feed is still parsed. Line formats:
/// trace-formats.md §1 and the checklist of §4; pairing: §3.
/// </remarks>
public static class KvmTraceReader
{
    /// <summary>How much of the start of an input is checked for binary data.</summary>
    public const int BinaryProbeBytes = 4096;

    /// <summary>Reads <paramref name="input"/> to its end.</summary>
    /// <param name="input">The log.</param>
    /// <param name="sink">Receives every line and every call.</param>
    /// <param name="options">Buffer size; null for the defaults.</param>
    public static KvmReadResult Read(Stream input, IKvmTraceSink sink, KvmReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sink);
        var dispatcher = new LineDispatcher(sink, chunk: false, numberLines: true);
        var result = Run(new StreamSource(input), dispatcher, BufferSize(options), limit: long.MaxValue, skipFirstLine: false, probe: true);
        dispatcher.Finish(closeCalls: true);
        return result;
    }

    /// <summary>The buffer size of the options.</summary>
    /// <param name="options">The options, or null.</param>
    internal static int BufferSize(KvmReaderOptions? options) => Math.Max(256, options?.BufferSize ?? KvmReaderOptions.DefaultBufferSize);

    /// <summary>True when the bytes look like binary data rather than trace text (a NUL byte).</summary>
    /// <param name="start">The first bytes of the input.</param>
    internal static bool LooksBinary(ReadOnlySpan<byte> start) => start[..Math.Min(start.Length, BinaryProbeBytes)].Contains((byte)0);

    /// <summary>
    /// The read loop: fills the buffer from <paramref name="source"/>, hands over each line that starts before
    /// <paramref name="limit"/> (an offset in the source), and carries a partial line to the next fill.
    /// </summary>
    /// <param name="source">Where the bytes come from.</param>
    /// <param name="dispatcher">Where lines go.</param>
    /// <param name="bufferSize">The buffer size.</param>
    /// <param name="limit">Lines starting at or after this offset of the source are not read (a chunk's end).</param>
    /// <param name="skipFirstLine">Skip through the first line feed (a chunk that starts inside its predecessor's last line).</param>
    /// <param name="probe">Check the first bytes for binary data.</param>
    internal static KvmReadResult Run(ByteSource source, LineDispatcher dispatcher, int bufferSize, long limit, bool skipFirstLine, bool probe)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            return Loop(source, dispatcher, buffer.AsSpan(0, bufferSize), limit, skipFirstLine, probe);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static KvmReadResult Loop(ByteSource source, LineDispatcher dispatcher, Span<byte> buffer, long limit, bool skipping, bool probe)
    {
        var start = 0;
        var end = 0;
        long bufferOffset = 0; // source offset of buffer[0]
        long bytes = 0;
        var linesBefore = dispatcher.Lines;
        while (true)
        {
            var read = source.Read(buffer[end..]);
            if (read == 0)
                break;
            end += read;
            bytes += read;
            if (probe && (end >= BinaryProbeBytes || end == buffer.Length))
            {
                probe = false;
                if (LooksBinary(buffer[..end]))
                    return new KvmReadResult(0, bytes, false, Binary: true);
            }
            var data = buffer[start..end];
            var consumed = 0;
            var finder = new NewlineFinder(data, 0);
            while (true)
            {
                var newline = finder.Next();
                if (newline < 0)
                    break;
                if (bufferOffset + start + consumed >= limit)
                    return Done(dispatcher, linesBefore, bytes, false);
                if (skipping)
                    skipping = false;
                else
                    dispatcher.Line(data[consumed..newline]);
                consumed = newline + 1;
            }
            start += consumed;
            if (start == end)
            {
                bufferOffset += end;
                start = end = 0;
            }
            else if (end == buffer.Length)
            {
                if (start > 0)
                {
                    buffer[start..end].CopyTo(buffer);
                    bufferOffset += start;
                    end -= start;
                    start = 0;
                }
                else
                {
                    if (bufferOffset >= limit)
                        return Done(dispatcher, linesBefore, bytes, false);
                    if (!skipping)
                        dispatcher.TooLong(buffer);
                    skipping = true;
                    bufferOffset += end;
                    start = end = 0;
                }
            }
        }
        if (probe && end > 0 && LooksBinary(buffer[..end]))
            return new KvmReadResult(0, bytes, false, Binary: true);
        var endedInsideLine = skipping;
        if (end > start && bufferOffset + start < limit)
        {
            endedInsideLine = true;
            if (!skipping)
                dispatcher.Line(buffer[start..end], unterminated: true);
        }
        return Done(dispatcher, linesBefore, bytes, endedInsideLine);
    }

    private static KvmReadResult Done(LineDispatcher dispatcher, long linesBefore, long bytes, bool endedInsideLine) =>
        new(dispatcher.Lines - linesBefore, bytes, endedInsideLine, Binary: false);
}

/// <summary>Where the read loop gets bytes: a stream, or a range of a file read at offsets.</summary>
internal abstract class ByteSource
{
    /// <summary>Reads up to <paramref name="destination"/>'s length; 0 at the end.</summary>
    /// <param name="destination">Where the bytes go.</param>
    public abstract int Read(Span<byte> destination);
}

/// <summary>A stream as a <see cref="ByteSource"/>.</summary>
/// <param name="stream">The stream.</param>
internal sealed class StreamSource(Stream stream) : ByteSource
{
    /// <inheritdoc/>
    public override int Read(Span<byte> destination) => stream.Read(destination);
}
