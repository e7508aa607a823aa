using System.Collections.Generic;
using HvCall.Abi.Registers;

namespace HvCall.Tracing.Kvm;

/// <summary>Accesses of one synthetic MSR seen in a log (<c>kvm_msr</c>, <c>kvm_hv_synic_set_msr</c>; trace-formats.md §2).</summary>
/// <param name="Msr">The MSR number.</param>
/// <param name="Reads">Guest reads (<c>kvm_msr msr_read</c>).</param>
/// <param name="GuestWrites">Guest writes, each counted once (see <see cref="KvmSummary"/> for the rule).</param>
/// <param name="HostWrites">Writes by the VMM (<c>kvm_hv_synic_set_msr … host 1</c>), which <c>kvm_msr</c> never shows.</param>
/// <param name="GeneralProtection">Guest accesses that raised #GP (<c> (#GP)</c>).</param>
public readonly record struct KvmMsrStats(uint Msr, long Reads, long GuestWrites, long HostWrites, long GeneralProtection);

/// <summary>
/// Per-MSR counts for the Hyper-V synthetic MSRs (<see cref="HvX64Msr"/>: 0x40000000–0x400000FF and the nested block
/// 0x40001000–0x400010FF) in fixed arrays; other MSRs are counted together.
/// </summary>
internal sealed class MsrCounter
{
    private const int BlockSize = 0x100;
    private readonly long[] _reads = new long[2 * BlockSize];
    private readonly long[] _writes = new long[2 * BlockSize];
    private readonly long[] _hostWrites = new long[2 * BlockSize];
    private readonly long[] _gp = new long[2 * BlockSize];

    /// <summary>Reads of MSRs outside the two blocks.</summary>
    public long OtherReads { get; private set; }

    /// <summary>Writes of MSRs outside the two blocks.</summary>
    public long OtherWrites { get; private set; }

    /// <summary>The slot of a synthetic MSR, or −1.</summary>
    /// <param name="msr">The MSR.</param>
    public static int Slot(ulong msr)
    {
        var offset = msr - HvX64Msr.GuestOsId;
        if (offset < BlockSize)
            return (int)offset;
        offset -= HvX64Msr.NestedOffset;
        return offset < BlockSize ? BlockSize + (int)offset : -1;
    }

    /// <summary>Counts one access.</summary>
    /// <param name="msr">The MSR.</param>
    /// <param name="write">A write.</param>
    /// <param name="host">By the VMM.</param>
    /// <param name="counted">Count the access itself (false: only its #GP).</param>
    /// <param name="gp">It raised #GP.</param>
    public void Add(ulong msr, bool write, bool host, bool counted, bool gp)
    {
        var slot = Slot(msr);
        if (slot < 0)
        {
            if (counted && write)
                OtherWrites++;
            else if (counted)
                OtherReads++;
            return;
        }
        if (gp)
            _gp[slot]++;
        if (!counted)
            return;
        if (!write)
            _reads[slot]++;
        else if (host)
            _hostWrites[slot]++;
        else
            _writes[slot]++;
    }

    /// <summary>Takes back one guest write (a parallel merge found it was a repeat).</summary>
    /// <param name="msr">The MSR.</param>
    public void UncountGuestWrite(ulong msr)
    {
        var slot = Slot(msr);
        if (slot >= 0)
            _writes[slot]--;
        else
            OtherWrites--;
    }

    /// <summary>Adds the counts of <paramref name="other"/>.</summary>
    /// <param name="other">Another counter.</param>
    public void Merge(MsrCounter other)
    {
        for (var i = 0; i < _reads.Length; i++)
        {
            _reads[i] += other._reads[i];
            _writes[i] += other._writes[i];
            _hostWrites[i] += other._hostWrites[i];
            _gp[i] += other._gp[i];
        }
        OtherReads += other.OtherReads;
        OtherWrites += other.OtherWrites;
    }

    /// <summary>The MSRs with any access, ascending.</summary>
    public IReadOnlyList<KvmMsrStats> Used()
    {
        var list = new List<KvmMsrStats>();
        for (var i = 0; i < _reads.Length; i++)
        {
            if (_reads[i] == 0 && _writes[i] == 0 && _hostWrites[i] == 0 && _gp[i] == 0)
                continue;
            var msr = HvX64Msr.GuestOsId + (uint)(i % BlockSize) + (i >= BlockSize ? HvX64Msr.NestedOffset : 0);
            list.Add(new KvmMsrStats(msr, _reads[i], _writes[i], _hostWrites[i], _gp[i]));
        }
        return list;
    }
}
