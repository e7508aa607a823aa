using System;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Parses one line of a KVM trace log, given as UTF-8 bytes, into a <see cref="KvmRecord"/> without allocating.
/// </summary>
/// <remarks>
/// <para>Accepted prefixes (trace-formats.md §1, checklist §4): raw ftrace (§1.1: pid 5 or 7 wide, optional TGID
/// column, flags column of 0, 4 or 5 characters), <c>trace-cmd report</c> (§1.2: padded event names, <c>-t</c>
/// nanosecond timestamps, counter clocks, the <c>-l</c> latency prefix <c>comm-pid cpu+flags</c>), <c>perf script</c>
/// (§1.3: <c>[VM:…][VCPU:…]</c> tags, comm and tid, <c>sys:event</c>, <c>--ns</c>, fields dropped with <c>-F</c>), and
/// payload-only lines (<c>comm-pid: event: …</c>, <c> event: …</c>). Also classified: blank lines, <c>#</c> headers,
/// <c>cpus=N</c>, <c>version = N</c>, <c>CPU:n [N EVENTS DROPPED]</c>.</para>
/// <para>The comm is split from the pid on the last <c>-&lt;digits&gt;</c> before the CPU column, so comms with spaces
/// and dashes (<c>CPU 1/KVM</c>, <c>&lt;...&gt;</c>) survive (§1.1). Payloads are decoded by
/// <see cref="KvmPayloadDecoder"/>.</para>
/// </remarks>
public static class KvmLineParser
{
    /// <summary>Parses a line (without its <c>\n</c>; a trailing <c>\r</c> is dropped).</summary>
    /// <param name="line">The line's bytes.</param>
    /// <param name="record">What the line is and holds.</param>
    /// <param name="lineNumber">The line number to stamp on the record (0 when unknown).</param>
    /// <returns><see cref="KvmRecord.LineKind"/>.</returns>
    public static KvmLineKind Parse(ReadOnlySpan<byte> line, out KvmRecord record, long lineNumber = 0)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
            line = line[..^1];
        record = default;
        ref var f = ref record.F;
        f.Pid = f.Tgid = f.Cpu = f.Vcpu = -1;
        f.Line = lineNumber;
        var kind = Classify(line, TraceText.SkipSpaces(line, 0), ref f);
        if (kind == KvmLineKind.Event)
        {
            f.DetailStart = f.PayloadStart;
            f.DetailLength = line.Length - f.PayloadStart;
            if (f.Kind != KvmEventKind.Other && !KvmPayloadDecoder.Decode(f.Kind, line, ref f))
            {
                kind = KvmLineKind.Unparsed;
                f.Reason = TraceText.HasControlBytes(line) ? KvmUnparsedReason.Binary : KvmUnparsedReason.BadPayload;
            }
        }
        else
        {
            f.Kind = KvmEventKind.None;
            if (kind == KvmLineKind.Unparsed)
                f.Reason = TraceText.HasControlBytes(line) ? KvmUnparsedReason.Binary : KvmUnparsedReason.NoEvent;
        }
        f.LineKind = kind;
        f.Task = f.TaskKey(f.Pid < 0 && f.CommLength > 0 ? TraceText.Hash(line.Slice(f.CommStart, f.CommLength)) : 0);
        return kind;
    }

    private static KvmLineKind Classify(ReadOnlySpan<byte> line, int pos, ref LineFields f)
    {
        if (pos >= line.Length)
            return KvmLineKind.Blank;
        switch (line[pos])
        {
            case (byte)'#':
                return KvmLineKind.Header;
            case (byte)'c' when IsCpusLine(line[pos..]):
            case (byte)'v' when line[pos..].StartsWith("version = "u8):
                return KvmLineKind.Metadata;
            case (byte)'C' when pos + 3 < line.Length && line[pos + 3] == (byte)':' && IsDropMarker(line[pos..], ref f):
                return KvmLineKind.DropMarker;
            case (byte)'[' when line[pos..].StartsWith("[VM:"u8):
                pos = SkipGuestTags(line, pos, ref f);
                break;
        }
        return KvmPrefixParser.Parse(line, pos, ref f);
    }

    private static bool IsCpusLine(ReadOnlySpan<byte> text)
    {
        if (!text.StartsWith("cpus="u8))
            return false;
        var digits = TraceText.ParseDecimal(text[5..], out _);
        return digits > 0 && text[(5 + digits)..].TrimEnd((byte)' ').IsEmpty;
    }

    /// <summary><c>CPU:%d [%lld EVENTS DROPPED]</c> (trace-formats.md §1.2).</summary>
    private static bool IsDropMarker(ReadOnlySpan<byte> text, ref LineFields f)
    {
        if (!text.StartsWith("CPU:"u8))
            return false;
        var at = 4;
        var digits = TraceText.ParseDecimal(text[at..], out var cpu);
        if (digits == 0 || cpu > int.MaxValue)
            return false;
        at += digits;
        if (!text[at..].StartsWith(" ["u8))
            return false;
        at += 2;
        digits = TraceText.ParseDecimal(text[at..], out var dropped);
        if (digits == 0 || !text[(at + digits)..].TrimEnd((byte)' ').SequenceEqual(" EVENTS DROPPED]"u8))
            return false;
        f.Cpu = (int)cpu;
        f.Word0 = dropped;
        return true;
    }

    /// <summary>perf's <c>[VM:%5d ][VCPU:%03d ]</c> tags of guest samples (trace-formats.md §1.3).</summary>
    private static int SkipGuestTags(ReadOnlySpan<byte> line, int pos, ref LineFields f)
    {
        var close = line[pos..].IndexOf((byte)']');
        if (close < 0)
            return pos;
        pos += close + 1;
        if (line[pos..].StartsWith("[VCPU:"u8))
        {
            var at = TraceText.SkipSpaces(line, pos + 6);
            var digits = TraceText.ParseDecimal(line[at..], out var vcpu);
            close = line[pos..].IndexOf((byte)']');
            if (close < 0)
                return pos;
            if (digits > 0 && vcpu <= int.MaxValue)
                f.Vcpu = (int)vcpu;
            pos += close + 1;
        }
        return TraceText.SkipSpaces(line, pos);
    }
}
