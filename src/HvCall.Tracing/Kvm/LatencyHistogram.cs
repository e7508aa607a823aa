using System;
using System.Numerics;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Latencies in constant memory: exact count, minimum and maximum, and a log-linear histogram (16 buckets per power
/// of two, values below 16 exact) from which percentiles are estimated within about 3 % of the value.
/// </summary>
/// <remarks>Holds the call → <c>_done</c> latencies of trace-formats.md §3, in nanoseconds or counter ticks.</remarks>
public sealed class LatencyHistogram
{
    private const int SubBits = 4;
    private const int Sub = 1 << SubBits;
    private const int BucketCount = Sub + (63 - SubBits) * Sub;

    private long[]? _buckets;

    /// <summary>Values added.</summary>
    public long Count { get; private set; }

    /// <summary>The smallest value (0 when empty).</summary>
    public long Min { get; private set; }

    /// <summary>The largest value (0 when empty).</summary>
    public long Max { get; private set; }

    /// <summary>Adds a value (negative values count as 0).</summary>
    /// <param name="value">The value.</param>
    public void Add(long value)
    {
        if (value < 0)
            value = 0;
        _buckets ??= new long[BucketCount];
        _buckets[Bucket(value)]++;
        if (Count == 0 || value < Min)
            Min = value;
        if (Count == 0 || value > Max)
            Max = value;
        Count++;
    }

    /// <summary>Adds every value of <paramref name="other"/>.</summary>
    /// <param name="other">Another histogram.</param>
    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
            return;
        _buckets ??= new long[BucketCount];
        for (var i = 0; i < BucketCount; i++)
            _buckets[i] += other._buckets![i];
        Min = Count == 0 ? other.Min : Math.Min(Min, other.Min);
        Max = Count == 0 ? other.Max : Math.Max(Max, other.Max);
        Count += other.Count;
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0.5 = median): the midpoint of the bucket holding that rank,
    /// kept within [<see cref="Min"/>, <see cref="Max"/>]; exact below 16.
    /// </summary>
    /// <param name="q">0 to 1.</param>
    public long Percentile(double q)
    {
        if (Count == 0)
            return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _buckets![i];
            if (seen >= rank)
                return Math.Clamp(Midpoint(i), Min, Max);
        }
        return Max;
    }

    private static int Bucket(long value)
    {
        if (value < Sub)
            return (int)value;
        var exponent = BitOperations.Log2((ulong)value);
        var mantissa = (int)(value >> (exponent - SubBits)) & (Sub - 1);
        return Sub + (exponent - SubBits) * Sub + mantissa;
    }

    private static long Midpoint(int bucket)
    {
        if (bucket < Sub)
            return bucket;
        var exponent = (bucket - Sub) / Sub + SubBits;
        var mantissa = (bucket - Sub) % Sub;
        var low = (long)(Sub + mantissa) << (exponent - SubBits);
        var width = 1L << (exponent - SubBits);
        return low + width / 2;
    }
}
