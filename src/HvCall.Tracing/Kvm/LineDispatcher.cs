using System;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Turns lines into records for a sink: parses each line, pairs calls (<see cref="KvmCallPairer"/>), and rejoins a
/// line that old <c>trace-cmd report</c> printed in two halves around a stray <c>\n</c> next to a small timestamp
/// (trace-formats.md §1.2).
/// </summary>
internal sealed class LineDispatcher
{
    private const int MaxPrefix = 512;

    private readonly IKvmTraceSink _sink;
    private readonly bool _numberLines;
    private readonly byte[] _prefix = new byte[MaxPrefix];
    private readonly byte[] _joined = new byte[MaxPrefix * 8];
    private int _prefixLength = -1;
    private long _prefixLine;

    /// <summary>A dispatcher.</summary>
    /// <param name="sink">Where records and calls go.</param>
    /// <param name="chunk">Chunk mode (see <see cref="KvmCallPairer"/>).</param>
    /// <param name="numberLines">Stamp line numbers (false in chunk mode: a chunk does not know where it starts).</param>
    public LineDispatcher(IKvmTraceSink sink, bool chunk, bool numberLines)
    {
        _sink = sink;
        _numberLines = numberLines;
        Pairer = new KvmCallPairer(chunk);
    }

    /// <summary>The pairer (its tasks hold the chunk's boundary state).</summary>
    public KvmCallPairer Pairer { get; }

    /// <summary>Lines seen.</summary>
    public long Lines { get; private set; }

    /// <summary>One line, without its <c>\n</c>.</summary>
    /// <param name="line">The bytes.</param>
    /// <param name="unterminated">The input ended inside this line.</param>
    public void Line(ReadOnlySpan<byte> line, bool unterminated = false)
    {
        Lines++;
        var number = _numberLines ? Lines : 0;
        var kind = KvmLineParser.Parse(line, out var record, number);
        if (_prefixLength >= 0)
        {
            if (TryJoin(kind, in record, line, number))
                return;
            FlushPrefix();
        }
        if (kind == KvmLineKind.PrefixOnly && !unterminated && line.Length <= MaxPrefix)
        {
            line.CopyTo(_prefix);
            _prefixLength = line.Length;
            _prefixLine = number;
            return;
        }
        if (kind == KvmLineKind.PrefixOnly)
        {
            record.F.LineKind = KvmLineKind.Unparsed;
            record.F.Reason = unterminated ? KvmUnparsedReason.Truncated : KvmUnparsedReason.PrefixWithoutEvent;
        }
        else if (unterminated && kind == KvmLineKind.Unparsed && record.Reason != KvmUnparsedReason.Binary)
        {
            record.F.Reason = KvmUnparsedReason.Truncated;
        }
        Dispatch(in record, line);
    }

    /// <summary>A line longer than the buffer: counted, not parsed.</summary>
    /// <param name="start">Its first bytes.</param>
    public void TooLong(ReadOnlySpan<byte> start)
    {
        if (_prefixLength >= 0)
            FlushPrefix();
        Lines++;
        var record = default(KvmRecord);
        record.F = LineFields.Empty;
        record.F.LineKind = KvmLineKind.Unparsed;
        record.F.Reason = TraceText.HasControlBytes(start) ? KvmUnparsedReason.Binary : KvmUnparsedReason.TooLong;
        record.F.Line = _numberLines ? Lines : 0;
        _sink.OnRecord(in record, start);
    }

    /// <summary>End of input.</summary>
    /// <param name="closeCalls">Sequential input: report the calls still open as ended without <c>_done</c>.</param>
    public void Finish(bool closeCalls)
    {
        if (_prefixLength >= 0)
            FlushPrefix();
        if (closeCalls)
            Pairer.Finish(_sink);
    }

    private void Dispatch(in KvmRecord record, ReadOnlySpan<byte> line)
    {
        if (record.LineKind == KvmLineKind.Event)
            Pairer.Event(in record, line, _sink);
        else
            _sink.OnRecord(in record, line);
    }

    /// <summary>
    /// The held prefix and this line as one line, when this line is the second half: an event without task, CPU or
    /// time (<c>        123: event: …</c>), or one that starts with the colon (<c>: event: …</c>).
    /// </summary>
    private bool TryJoin(KvmLineKind kind, in KvmRecord record, ReadOnlySpan<byte> line, long number)
    {
        var continuation = kind switch
        {
            KvmLineKind.Event => record.Pid < 0 && record.Cpu < 0 && record.CommLength == 0,
            _ => false,
        };
        if (!continuation || _prefixLength + line.Length > _joined.Length)
            return false;
        _prefix.AsSpan(0, _prefixLength).CopyTo(_joined);
        line.CopyTo(_joined.AsSpan(_prefixLength));
        var joined = _joined.AsSpan(0, _prefixLength + line.Length);
        if (KvmLineParser.Parse(joined, out var whole, _prefixLine != 0 ? _prefixLine : number) != KvmLineKind.Event)
            return false;
        _prefixLength = -1;
        Dispatch(in whole, joined);
        return true;
    }

    private void FlushPrefix()
    {
        var prefix = _prefix.AsSpan(0, _prefixLength);
        _prefixLength = -1;
        KvmLineParser.Parse(prefix, out var record, _prefixLine);
        record.F.LineKind = KvmLineKind.Unparsed;
        record.F.Reason = KvmUnparsedReason.PrefixWithoutEvent;
        _sink.OnRecord(in record, prefix);
    }
}
