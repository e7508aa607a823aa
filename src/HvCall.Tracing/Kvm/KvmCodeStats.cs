using System;
using System.Collections.Generic;
using System.Numerics;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Tracing.Kvm;

/// <summary>What a log shows of one call code: calls, fast/slow, statuses, rep counts, latency call → <c>_done</c>.</summary>
/// <remarks>Decoding per trace-formats.md §2 ("Field facts"); names from <see cref="HypercallCatalog"/>.</remarks>
public sealed class KvmCodeStats
{
    /// <summary>Rep-count buckets: 0, 1, then powers of two (2–3, 4–7, … 2048–4095); rep_cnt is 12 bits.</summary>
    public const int RepBucketCount = 13;

    private readonly long[] _statuses = new long[256];
    private readonly long[] _repBuckets = new long[RepBucketCount];
    private SortedDictionary<ushort, long>? _highStatuses;

    /// <summary>Statistics for a code.</summary>
    /// <param name="code">The code.</param>
    public KvmCodeStats(HvCallCode code) => Code = code;

    /// <summary>The code.</summary>
    public HvCallCode Code { get; }

    /// <summary>The catalog name, or null for a code the catalog does not know.</summary>
    public string? CatalogName => HypercallCatalog.TryGet(Code, out var info) ? info.Name : null;

    /// <summary><c>kvm_hv_hypercall</c> lines.</summary>
    public long Calls { get; private set; }

    /// <summary>Fast calls.</summary>
    public long Fast { get; private set; }

    /// <summary>Slow (memory) calls.</summary>
    public long Slow => Calls - Fast;

    /// <summary>Calls with a variable header (<c>var_cnt</c> &gt; 0).</summary>
    public long WithVariableHeader { get; private set; }

    /// <summary>Calls with a rep start index above 0 (a rep call resumed).</summary>
    public long Resumed { get; private set; }

    /// <summary>Calls paired with a <c>_done</c>.</summary>
    public long Completed { get; private set; }

    /// <summary>Calls without a <c>_done</c> (another call of the task came first, or the log ended).</summary>
    public long WithoutDone { get; private set; }

    /// <summary>Calls whose result reported fewer reps completed than the rep count.</summary>
    public long RepsShort { get; private set; }

    /// <summary>Latency call → <c>_done</c> of the completed calls, in the unit of <see cref="KvmSummary.LatencyClock"/>.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>The rep-count bucket of a rep count: 0 for 0, else 1 + ⌊log2(count)⌋.</summary>
    /// <param name="repCount">The rep count.</param>
    public static int RepBucket(int repCount) => repCount <= 0 ? 0 : 1 + BitOperations.Log2((uint)repCount);

    /// <summary>The smallest rep count of a bucket.</summary>
    /// <param name="bucket">0 to <see cref="RepBucketCount"/> − 1.</param>
    public static int RepBucketLow(int bucket) => bucket == 0 ? 0 : 1 << (bucket - 1);

    /// <summary>The largest rep count of a bucket.</summary>
    /// <param name="bucket">0 to <see cref="RepBucketCount"/> − 1.</param>
    public static int RepBucketHigh(int bucket) => bucket == 0 ? 0 : (1 << bucket) - 1;

    /// <summary>Calls in a rep-count bucket.</summary>
    /// <param name="bucket">0 to <see cref="RepBucketCount"/> − 1.</param>
    public long RepBucketCalls(int bucket) => _repBuckets[bucket];

    /// <summary>The statuses of the completed calls with their counts, ascending by status.</summary>
    public IEnumerable<(HvStatus Status, long Count)> Statuses()
    {
        for (var s = 0; s < _statuses.Length; s++)
        {
            if (_statuses[s] != 0)
                yield return ((HvStatus)s, _statuses[s]);
        }
        if (_highStatuses is null)
            yield break;
        foreach (var (status, count) in _highStatuses)
            yield return ((HvStatus)status, count);
    }

    /// <summary>Counts a call.</summary>
    /// <param name="call">The call (not <see cref="KvmCallOutcome.DoneWithoutCall"/>).</param>
    /// <param name="latency">Its latency, or −1 when not measured.</param>
    internal void Add(KvmHypercall call, long latency)
    {
        var control = call.Control;
        Calls++;
        if (control.IsFast)
            Fast++;
        if (control.VariableHeaderSize > 0)
            WithVariableHeader++;
        if (control.RepStart > 0)
            Resumed++;
        _repBuckets[RepBucket(control.RepCount)]++;
        if (call.Outcome != KvmCallOutcome.Completed)
        {
            WithoutDone++;
            return;
        }
        Completed++;
        var result = call.Result;
        AddStatus((ushort)result.Status, 1);
        if (control.RepCount > 0 && result.RepsCompleted < control.RepCount)
            RepsShort++;
        if (latency >= 0)
            Latency.Add(latency);
    }

    /// <summary>Adds the counts of <paramref name="other"/> (the same code).</summary>
    /// <param name="other">Statistics of another part of the log.</param>
    internal void Merge(KvmCodeStats other)
    {
        Calls += other.Calls;
        Fast += other.Fast;
        WithVariableHeader += other.WithVariableHeader;
        Resumed += other.Resumed;
        Completed += other.Completed;
        WithoutDone += other.WithoutDone;
        RepsShort += other.RepsShort;
        for (var i = 0; i < RepBucketCount; i++)
            _repBuckets[i] += other._repBuckets[i];
        for (var s = 0; s < _statuses.Length; s++)
            _statuses[s] += other._statuses[s];
        if (other._highStatuses is not null)
        {
            foreach (var (status, count) in other._highStatuses)
                AddStatus(status, count);
        }
        Latency.Merge(other.Latency);
    }

    private void AddStatus(ushort status, long count)
    {
        if (status < _statuses.Length)
        {
            _statuses[status] += count;
            return;
        }
        _highStatuses ??= [];
        _highStatuses[status] = _highStatuses.GetValueOrDefault(status) + count;
    }
}
