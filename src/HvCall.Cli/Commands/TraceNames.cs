using System.Globalization;
using HvCall.Abi.Registers;
using HvCall.Tracing.Kvm;

namespace HvCall.Cli.Commands;

/// <summary>How <c>hvcall trace</c> spells MSRs, latency units and unparsed reasons.</summary>
internal static class TraceNames
{
    /// <summary>
    /// The short name of a synthetic MSR (<see cref="SynicMsrNames"/>), its nested counterpart as <c>NESTED_SIMP</c>
    /// (<see cref="HvX64Msr.NestedOffset"/>), or null.
    /// </summary>
    /// <param name="msr">The MSR.</param>
    public static string? MsrName(ulong msr)
    {
        if (msr > uint.MaxValue)
            return null;
        var plain = SynicMsrNames.NameOf((uint)msr);
        if (plain is not null)
            return plain;
        if (msr < HvX64Msr.NestedOffset)
            return null;
        var nested = (uint)msr - HvX64Msr.NestedOffset;
        var inner = SynicMsrNames.NameOf(nested);
        var hasNested = nested == HvX64Msr.VpIndex || nested is >= HvX64Msr.Scontrol and <= HvX64Msr.Eom || nested is >= HvX64Msr.Sint0 and <= HvX64Msr.Sint15;
        return inner is not null && hasNested ? "NESTED_" + inner : null;
    }

    /// <summary>The unit latencies are shown in: <c>us</c>, <c>ns</c>, <c>ticks</c>, or null.</summary>
    /// <param name="clock">The summary's latency clock.</param>
    public static string? LatencyUnit(KvmClock clock) => clock switch
    {
        KvmClock.Microseconds => "us",
        KvmClock.Nanoseconds => "ns",
        KvmClock.Counter => "ticks",
        _ => null,
    };

    /// <summary>A latency in the shown unit (nanoseconds rounded to microseconds for <c>us</c>).</summary>
    /// <param name="value">Nanoseconds or ticks.</param>
    /// <param name="clock">The summary's latency clock.</param>
    public static long Latency(long value, KvmClock clock) => clock == KvmClock.Microseconds ? (value + 500) / 1000 : value;

    /// <summary>The camel-case name of an unparsed reason (<c>badPayload</c>).</summary>
    /// <param name="reason">The reason.</param>
    public static string Reason(KvmUnparsedReason reason) => reason switch
    {
        KvmUnparsedReason.NoEvent => "noEvent",
        KvmUnparsedReason.BadPayload => "badPayload",
        KvmUnparsedReason.Binary => "binary",
        KvmUnparsedReason.TooLong => "tooLong",
        KvmUnparsedReason.Truncated => "truncated",
        KvmUnparsedReason.PrefixWithoutEvent => "prefixWithoutEvent",
        _ => "none",
    };

    /// <summary>A time stamp as the log printed it: <c>secs.usecs</c>, <c>secs.nsecs</c>, a counter value, or <c>-</c>.</summary>
    /// <param name="time">The record's time.</param>
    /// <param name="clock">Its clock.</param>
    public static string Time(long time, KvmClock clock) => clock switch
    {
        KvmClock.Microseconds => string.Create(CultureInfo.InvariantCulture, $"{time / 1_000_000_000}.{time % 1_000_000_000 / 1000:D6}"),
        KvmClock.Nanoseconds => string.Create(CultureInfo.InvariantCulture, $"{time / 1_000_000_000}.{time % 1_000_000_000:D9}"),
        KvmClock.Counter => time.ToString(CultureInfo.InvariantCulture),
        _ => "-",
    };
}
