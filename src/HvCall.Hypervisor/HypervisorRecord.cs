using System.Collections.Generic;

namespace HvCall.Hypervisor;

/// <summary>A TLB flush a guest requested (HvCallFlushVirtualAddressSpace/List).</summary>
/// <param name="AddressSpace">The address space (CR3).</param>
/// <param name="Flags">HV_FLUSH_* flags.</param>
/// <param name="ProcessorMask">The target VPs.</param>
/// <param name="GvaRanges">For a list flush, the GVA ranges; empty for a whole-space flush.</param>
public sealed record FlushRecord(ulong AddressSpace, ulong Flags, ulong ProcessorMask, IReadOnlyList<ulong> GvaRanges);

/// <summary>What handlers with no architectural effect in the simulation record instead.</summary>
public sealed class HypervisorRecord
{
    private readonly List<FlushRecord> _flushes = [];

    /// <summary>TLB flushes requested, in order.</summary>
    public IReadOnlyList<FlushRecord> Flushes => _flushes;

    /// <summary>Synthetic cluster IPIs delivered (one per target VP).</summary>
    public int IpisDelivered { get; internal set; }

    /// <summary>The vector of the last IPI.</summary>
    public uint LastIpiVector { get; internal set; }

    /// <summary>HvCallNotifyLongSpinWait notifications.</summary>
    public int LongSpinWaits { get; internal set; }

    internal void AddFlush(FlushRecord flush) => _flushes.Add(flush);
}
