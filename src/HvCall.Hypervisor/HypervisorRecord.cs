using System.Collections.Generic;

namespace HvCall.Hypervisor;

/// <summary>A TLB flush a guest requested (HvCallFlushVirtualAddressSpace/List).</summary>
/// <param name="AddressSpace">The address space (CR3).</param>
/// <param name="Flags">HV_FLUSH_* flags.</param>
/// <param name="ProcessorMask">The target VPs.</param>
/// <param name="GvaRanges">For a list flush, the GVA ranges; empty for a whole-space flush.</param>
public sealed record FlushRecord(ulong AddressSpace, ulong Flags, ulong ProcessorMask, IReadOnlyList<ulong> GvaRanges);

/// <summary>What handlers with no architectural effect in the simulation record instead.</summary>
/// <remarks>
/// Every guest may flush as often as it likes (the flush calls need no privilege), so the record keeps counts and only
/// the most recent <see cref="MaxFlushes"/> flushes: a guest's calls never grow the hypervisor's memory without bound.
/// </remarks>
public sealed class HypervisorRecord
{
    /// <summary>How many of the most recent flushes <see cref="Flushes"/> keeps.</summary>
    public const int MaxFlushes = 256;

    private readonly List<FlushRecord> _flushes = [];

    /// <summary>The most recent TLB flushes requested (at most <see cref="MaxFlushes"/>), oldest first.</summary>
    public IReadOnlyList<FlushRecord> Flushes => _flushes;

    /// <summary>TLB flushes requested in all (each execution of a continued list flush counts once).</summary>
    public long FlushCount { get; private set; }

    /// <summary>Synthetic cluster IPIs delivered (one per target VP).</summary>
    public int IpisDelivered { get; internal set; }

    /// <summary>The vector of the last IPI.</summary>
    public uint LastIpiVector { get; internal set; }

    /// <summary>HvCallNotifyLongSpinWait notifications.</summary>
    public int LongSpinWaits { get; internal set; }

    internal void AddFlush(FlushRecord flush)
    {
        FlushCount++;
        if (_flushes.Count == MaxFlushes)
            _flushes.RemoveAt(0);
        _flushes.Add(flush);
    }
}
