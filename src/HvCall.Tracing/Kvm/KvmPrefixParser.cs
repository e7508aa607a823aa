using System;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Finds the task, CPU, flags, timestamp and event name of a trace line, whichever of the prefixes of
/// trace-formats.md §1 it carries.
/// </summary>
/// <remarks>
/// Two routes. With a CPU column <c>[ddd]</c> (raw ftrace, <c>trace-cmd report</c>, <c>perf script</c>), what
/// precedes it is the task (<c>comm-pid</c>, <c>comm-pid (tgid)</c> or perf's <c>comm tid</c>) and what follows is
/// flags, time and event. Without one, the first <c>": "</c> is found: after a number it ends a timestamp
/// (<c>trace-cmd report -l</c>, perf <c>-F</c> without CPU, the time-only half of a split line), after an event name
/// it ends the event (payload-only lines, perf without time), after <c>comm-pid</c> it ends a quoted prefix.
/// </remarks>
internal static class KvmPrefixParser
{
    /// <summary>Parses from <paramref name="pos"/> (the first non-space byte after any perf guest tags).</summary>
    /// <param name="line">The line.</param>
    /// <param name="pos">Where the prefix starts.</param>
    /// <param name="f">Receives the fields.</param>
    /// <returns><see cref="KvmLineKind.Event"/>, <see cref="KvmLineKind.PrefixOnly"/> or <see cref="KvmLineKind.Unparsed"/>.</returns>
    public static KvmLineKind Parse(ReadOnlySpan<byte> line, int pos, ref LineFields f)
    {
        if (Fast(line, pos, ref f))
            return KvmLineKind.Event;
        var search = pos;
        while (search < line.Length)
        {
            int open;
            if (search == pos && line[pos] == (byte)'[')
            {
                open = pos;
            }
            else
            {
                var rel = line[search..].IndexOf(" ["u8);
                if (rel < 0)
                    break;
                open = search + rel + 1;
            }
            var digitsEnd = open + 1;
            while (digitsEnd < line.Length && TraceText.IsDigit(line[digitsEnd]))
                digitsEnd++;
            var count = digitsEnd - open - 1;
            if (count is > 0 and <= 6 && digitsEnd < line.Length && line[digitsEnd] == (byte)']'
                && (digitsEnd + 1 == line.Length || line[digitsEnd + 1] == (byte)' '))
            {
                var vcpu = f.Vcpu;
                var kind = AfterCpuColumn(line, pos, open, digitsEnd, ref f);
                if (kind != KvmLineKind.Unparsed)
                    return kind;
                f.Pid = f.Tgid = f.Cpu = -1;
                f.CommStart = f.CommLength = 0;
                f.Time = 0;
                f.Clock = KvmClock.None;
                f.Vcpu = vcpu;
            }
            search = open + 1;
        }
        return WithoutCpuColumn(line, pos, ref f);
    }

    /// <summary>
    /// The common line in one pass: <c>comm-pid [cpu] [flags] secs.frac: name: payload</c> (raw ftrace and
    /// <c>trace-cmd report</c> without a TGID column). Anything else returns false with <paramref name="f"/> as it
    /// was, and the general route takes the line.
    /// </summary>
    private static bool Fast(ReadOnlySpan<byte> line, int pos, ref LineFields f)
    {
        var rel = TraceText.IndexOfNear(line[pos..], (byte)'[');
        if (rel <= 1 || line[pos + rel - 1] != (byte)' ')
            return false;
        var open = pos + rel;
        var i = open + 1;
        uint cpu = 0;
        while (i < line.Length && TraceText.IsDigit(line[i]) && i - open <= 6)
            cpu = cpu * 10 + (uint)(line[i++] - '0');
        if (i == open + 1 || i + 2 >= line.Length || line[i] != (byte)']' || line[i + 1] != (byte)' ')
            return false;

        // comm-pid, read backwards from the space before '['.
        var end = open - 1;
        while (end > pos && line[end - 1] == (byte)' ')
            end--;
        var digits = end;
        uint pid = 0;
        uint scale = 1;
        while (digits > pos && TraceText.IsDigit(line[digits - 1]) && end - digits < 9)
        {
            pid += (uint)(line[--digits] - '0') * scale;
            scale *= 10;
        }
        if (digits == end || digits <= pos + 1 || line[digits - 1] != (byte)'-')
            return false;

        // Flags (never starting with a digit), then the time stamp "secs.frac:".
        var at = i + 2;
        if (!TraceText.IsDigit(line[at]))
        {
            while (at < line.Length && line[at] != (byte)' ')
                at++;
            if (at - (i + 2) > 8)
                return false;
            while (at < line.Length && line[at] == (byte)' ')
                at++;
        }
        ulong seconds = 0;
        var start = at;
        while (at < line.Length && TraceText.IsDigit(line[at]))
            seconds = seconds * 10 + (uint)(line[at++] - '0');
        if (at == start || at - start > 9 || at + 2 >= line.Length || line[at] != (byte)'.')
            return false;
        start = ++at;
        ulong fraction = 0;
        if (at + 7 < line.Length && line[at + 6] == (byte)':')
        {
            // The usual six decimals (µs), without a loop.
            uint d0 = (uint)(line[at] - '0'), d1 = (uint)(line[at + 1] - '0'), d2 = (uint)(line[at + 2] - '0');
            uint d3 = (uint)(line[at + 3] - '0'), d4 = (uint)(line[at + 4] - '0'), d5 = (uint)(line[at + 5] - '0');
            if ((d0 > 9) | (d1 > 9) | (d2 > 9) | (d3 > 9) | (d4 > 9) | (d5 > 9))
                return false;
            fraction = d0 * 100_000u + d1 * 10_000u + d2 * 1_000u + d3 * 100u + d4 * 10u + d5;
            at += 6;
        }
        else
        {
            while (at < line.Length && TraceText.IsDigit(line[at]))
                fraction = fraction * 10 + (uint)(line[at++] - '0');
        }
        var fractionDigits = at - start;
        if (fractionDigits is 0 or > 9 || at + 2 >= line.Length || line[at] != (byte)':' || line[at + 1] != (byte)' ')
            return false;

        // The event name up to its ':'.
        var nameStart = at + 2;
        var colon = TraceText.IndexOfNear(line[nameStart..], (byte)':');
        if (colon <= 0)
            return false;
        colon += nameStart;
        if (colon + 1 < line.Length && line[colon + 1] != (byte)' ')
            return false;
        if (!NameToken(line, nameStart, colon, ref f))
            return false;

        f.Pid = (int)pid;
        f.CommStart = pos;
        f.CommLength = digits - 1 - pos;
        f.Cpu = (int)cpu;
        f.Time = (long)(seconds * 1_000_000_000 + fraction * Pow10[9 - fractionDigits]);
        f.Clock = fractionDigits <= 6 ? KvmClock.Microseconds : KvmClock.Nanoseconds;
        return true;
    }

    private static readonly ulong[] Pow10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    private static KvmLineKind AfterCpuColumn(ReadOnlySpan<byte> line, int pos, int open, int digitsEnd, ref LineFields f)
    {
        var headEnd = TraceText.TrimEnd(line, pos, open);
        if (!Head(line, pos, headEnd, ref f))
            return KvmLineKind.Unparsed;
        TraceText.ParseDecimal(line[(open + 1)..digitsEnd], out var cpu);
        f.Cpu = (int)cpu;
        var at = TraceText.SkipSpaces(line, digitsEnd + 1);
        if (at >= line.Length)
            return KvmLineKind.PrefixOnly;
        var end = TokenEnd(line, at);
        if (line[end - 1] != (byte)':')
        {
            if (!IsFlags(line[at..end]))
                return KvmLineKind.Unparsed;
            at = TraceText.SkipSpaces(line, end);
            if (at >= line.Length)
                return KvmLineKind.PrefixOnly;
            end = TokenEnd(line, at);
            if (line[end - 1] != (byte)':')
                return end == line.Length && Timestamp(line[at..end], ref f) ? KvmLineKind.PrefixOnly : KvmLineKind.Unparsed;
        }
        var token = line[at..(end - 1)];
        if (Timestamp(token, ref f))
            return EventAt(line, TraceText.SkipSpaces(line, end), ref f);
        return NameToken(line, at, end - 1, ref f) ? KvmLineKind.Event : KvmLineKind.Unparsed;
    }

    private static KvmLineKind WithoutCpuColumn(ReadOnlySpan<byte> line, int pos, ref LineFields f)
    {
        // The second half of a line split after its timestamp (": event: payload", trace-formats.md §1.2).
        if (line[pos] == (byte)':')
            return EventAt(line, TraceText.SkipSpaces(line, pos + 1), ref f) == KvmLineKind.Event ? KvmLineKind.Event : KvmLineKind.Unparsed;
        var rel = line[pos..].IndexOf(": "u8);
        int colon;
        if (rel >= 0)
            colon = pos + rel;
        else if (line[^1] == (byte)':')
            colon = line.Length - 1;
        else
            return KvmLineKind.Unparsed;
        var tokenStart = line[pos..colon].LastIndexOf((byte)' ') + 1 + pos;
        var token = line[tokenStart..colon];
        var headEnd = TraceText.TrimEnd(line, pos, tokenStart);

        if (Timestamp(token, ref f))
        {
            if (!LooseHead(line, pos, headEnd, ref f))
                return KvmLineKind.Unparsed;
            return EventAt(line, TraceText.SkipSpaces(line, colon + 1), ref f);
        }
        if (TraceText.IsEventName(token, out _))
        {
            // Payload-only (" event: payload"), or perf without time: the head is empty or ends with the tid.
            if (headEnd > pos && !TraceText.IsDigit(line[headEnd - 1]))
                return KvmLineKind.Unparsed;
            if (!Head(line, pos, headEnd, ref f))
                return KvmLineKind.Unparsed;
            return NameToken(line, tokenStart, colon, ref f) ? KvmLineKind.Event : KvmLineKind.Unparsed;
        }
        // A quoted prefix: "comm-pid: event: payload" (the comm may hold spaces).
        var digits = TraceText.DigitsStart(line, pos, colon);
        if (digits < colon && digits > pos && line[digits - 1] == (byte)'-' && Head(line, pos, colon, ref f))
            return EventAt(line, TraceText.SkipSpaces(line, colon + 1), ref f);
        return KvmLineKind.Unparsed;
    }

    /// <summary>The event token at <paramref name="at"/>: <c>name:</c> or <c>sys:name:</c>, then the payload.</summary>
    private static KvmLineKind EventAt(ReadOnlySpan<byte> line, int at, ref LineFields f)
    {
        if (at >= line.Length)
            return KvmLineKind.PrefixOnly;
        var end = TokenEnd(line, at);
        if (line[end - 1] != (byte)':')
            return KvmLineKind.Unparsed;
        return NameToken(line, at, end - 1, ref f) ? KvmLineKind.Event : KvmLineKind.Unparsed;
    }

    private static bool NameToken(ReadOnlySpan<byte> line, int start, int colon, ref LineFields f)
    {
        // A known name needs no character check; only other names (and a perf "sys:" prefix) are validated.
        var kind = KvmEventNames.Lookup(line[start..colon]);
        if (kind == KvmEventKind.Other)
        {
            if (!TraceText.IsEventName(line[start..colon], out var offset))
                return false;
            start += offset;
            kind = KvmEventNames.Lookup(line[start..colon]);
        }
        f.Kind = kind;
        f.NameStart = start;
        f.NameLength = colon - start;
        f.PayloadStart = TraceText.SkipSpaces(line, colon + 1);
        return true;
    }

    /// <summary>
    /// The task before the CPU column or a payload-only colon: <c>comm-pid</c> (split on the last <c>-digits</c>),
    /// with an optional <c>(tgid)</c>; perf's <c>comm tid</c>; a bare tid; or a comm alone.
    /// </summary>
    private static bool Head(ReadOnlySpan<byte> line, int start, int end, ref LineFields f)
    {
        if (end <= start)
            return true;
        if (line[end - 1] == (byte)')')
        {
            var open = line[start..end].LastIndexOf((byte)'(');
            if (open < 0)
                return false;
            open += start;
            var at = TraceText.SkipSpaces(line, open + 1);
            var digits = TraceText.ParseDecimal(line[at..(end - 1)], out var tgid);
            if (digits == 0 || at + digits != end - 1 || tgid > int.MaxValue)
                return false;
            f.Tgid = (int)tgid;
            end = TraceText.TrimEnd(line, start, open);
        }
        var commEnd = end;
        var digitsStart = TraceText.DigitsStart(line, start, end);
        if (digitsStart < end && end - digitsStart <= 10)
        {
            TraceText.ParseDecimal(line[digitsStart..end], out var pid);
            if (pid <= int.MaxValue)
            {
                if (digitsStart == start)
                {
                    f.Pid = (int)pid;
                    commEnd = start;
                }
                else if (line[digitsStart - 1] == (byte)'-')
                {
                    f.Pid = (int)pid;
                    commEnd = digitsStart - 1;
                }
                else if (line[digitsStart - 1] == (byte)' ')
                {
                    f.Pid = (int)pid;
                    commEnd = TraceText.TrimEnd(line, start, digitsStart);
                }
            }
        }
        f.CommStart = start;
        f.CommLength = commEnd - start;
        return true;
    }

    /// <summary>
    /// The head before a timestamp when there is no <c>[cpu]</c> column: <c>trace-cmd report -l</c>'s
    /// <c>comm-pid cpu+flags</c> (CPU without brackets, flags glued to it, §1.2), or a perf head.
    /// </summary>
    private static bool LooseHead(ReadOnlySpan<byte> line, int start, int end, ref LineFields f)
    {
        if (end <= start)
            return true;
        var lastStart = line[start..end].LastIndexOf((byte)' ') + 1 + start;
        if (lastStart > start && TraceText.IsDigit(line[lastStart]))
        {
            var cpuDigits = TraceText.ParseDecimal(line[lastStart..end], out var cpu);
            var before = TraceText.TrimEnd(line, start, lastStart);
            var pidStart = TraceText.DigitsStart(line, start, before);
            var latency = pidStart < before && pidStart > start && line[pidStart - 1] == (byte)'-';
            if (latency && cpu <= int.MaxValue && (lastStart + cpuDigits == end || IsFlags(line[(lastStart + cpuDigits)..end])))
            {
                f.Cpu = (int)cpu;
                return Head(line, start, before, ref f);
            }
        }
        return Head(line, start, end, ref f);
    }

    /// <summary>The irq/preempt flags column: 1 to 8 of <c>.</c>, letters and digits (4 or 5 in practice, §1.1).</summary>
    private static bool IsFlags(ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty || token.Length > 8)
            return false;
        foreach (var c in token)
        {
            if (c != (byte)'.' && !TraceText.IsDigit(c) && (uint)((c | 0x20) - 'a') > 25)
                return false;
        }
        return true;
    }

    /// <summary><c>secs.frac</c> (frac 1 to 9 digits; 6 = µs, 9 = ns) or a bare counter value (trace-formats.md §4 item 2).</summary>
    private static bool Timestamp(ReadOnlySpan<byte> token, ref LineFields f)
    {
        var digits = TraceText.ParseDecimal(token, out var whole);
        if (digits == 0)
            return false;
        if (digits == token.Length)
        {
            if (whole > long.MaxValue)
                return false;
            f.Time = (long)whole;
            f.Clock = KvmClock.Counter;
            return true;
        }
        if (token[digits] != (byte)'.' || whole >= 9_000_000_000)
            return false;
        var fraction = token[(digits + 1)..];
        var fractionDigits = TraceText.ParseDecimal(fraction, out var frac);
        if (fractionDigits == 0 || fractionDigits != fraction.Length || fractionDigits > 9)
            return false;
        for (var i = fractionDigits; i < 9; i++)
            frac *= 10;
        f.Time = (long)(whole * 1_000_000_000 + frac);
        f.Clock = fractionDigits <= 6 ? KvmClock.Microseconds : KvmClock.Nanoseconds;
        return true;
    }

    private static int TokenEnd(ReadOnlySpan<byte> line, int at)
    {
        // Tokens here are short (flags, a time stamp, an event name): a plain loop beats a vector search's set-up.
        while (at < line.Length && line[at] != (byte)' ')
            at++;
        return at;
    }
}
