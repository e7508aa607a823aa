using System;
using System.Buffers.Binary;

namespace HvCall.Tracing.Kvm;

/// <summary>The event names of trace-formats.md §2 and the <see cref="KvmEventKind"/> each one decodes to.</summary>
/// <remarks>
/// The lookup compares bytes: it buckets the names by length and compares a handful of candidates as four 8-byte
/// words each, so a line costs no string and no hash. <c>kvm_hv_timer_state</c> is deliberately absent: it is the VMX preemption timer, a
/// false friend (§2), and counts as <see cref="KvmEventKind.Other"/>.
/// </remarks>
public static class KvmEventNames
{
    private const int MaxLength = 32;

    /// <summary>A name of 8 to 31 bytes as four overlapping 8-byte words (at 0, 8, 16 and length − 8, clamped).</summary>
    private readonly record struct Candidate(ulong A, ulong B, ulong C, ulong D, KvmEventKind Kind);

    private static readonly Candidate[][] ByLength = Build();

    /// <summary>The name KVM gives an event kind (<c>kvm_hv_hypercall</c>), or <c>other</c>/<c>none</c>.</summary>
    /// <param name="kind">The kind.</param>
    public static string NameOf(KvmEventKind kind) => kind switch
    {
        KvmEventKind.Hypercall => "kvm_hv_hypercall",
        KvmEventKind.HypercallDone => "kvm_hv_hypercall_done",
        KvmEventKind.Msr => "kvm_msr",
        KvmEventKind.SynicSetMsr => "kvm_hv_synic_set_msr",
        KvmEventKind.SynicSetIrq => "kvm_hv_synic_set_irq",
        KvmEventKind.NotifyAckedSint => "kvm_hv_notify_acked_sint",
        KvmEventKind.SynicSendEoi => "kvm_hv_synic_send_eoi",
        KvmEventKind.FlushTlb => "kvm_hv_flush_tlb",
        KvmEventKind.FlushTlbEx => "kvm_hv_flush_tlb_ex",
        KvmEventKind.SendIpi => "kvm_hv_send_ipi",
        KvmEventKind.SendIpiEx => "kvm_hv_send_ipi_ex",
        KvmEventKind.StimerSetConfig => "kvm_hv_stimer_set_config",
        KvmEventKind.StimerSetCount => "kvm_hv_stimer_set_count",
        KvmEventKind.StimerStartPeriodic => "kvm_hv_stimer_start_periodic",
        KvmEventKind.StimerStartOneShot => "kvm_hv_stimer_start_one_shot",
        KvmEventKind.StimerCallback => "kvm_hv_stimer_callback",
        KvmEventKind.StimerCleanup => "kvm_hv_stimer_cleanup",
        KvmEventKind.StimerExpiration => "kvm_hv_stimer_expiration",
        KvmEventKind.SyndbgSetMsr => "kvm_hv_syndbg_set_msr",
        KvmEventKind.SyndbgGetMsr => "kvm_hv_syndbg_get_msr",
        KvmEventKind.Exit => "kvm_exit",
        KvmEventKind.Entry => "kvm_entry",
        KvmEventKind.Other => "other",
        _ => "none",
    };

    /// <summary>True for the Hyper-V events of §2 other than the hypercall pair (SynIC, timers, flushes, IPIs, SynDBG).</summary>
    /// <param name="kind">The kind.</param>
    public static bool IsHyperVEvent(KvmEventKind kind) => kind is >= KvmEventKind.SynicSetMsr and <= KvmEventKind.SyndbgGetMsr;

    /// <summary>The kind an event name decodes to; <see cref="KvmEventKind.Other"/> for any other name.</summary>
    /// <param name="name">The name without a perf <c>sys:</c> prefix, as UTF-8.</param>
    public static KvmEventKind Lookup(ReadOnlySpan<byte> name)
    {
        if ((uint)name.Length >= MaxLength || name.Length < 7 || name[0] != (byte)'k' || name[3] != (byte)'_')
            return KvmEventKind.Other;
        if (name.Length == 7)
            return name.SequenceEqual("kvm_msr"u8) ? KvmEventKind.Msr : KvmEventKind.Other;
        var (a, b, c, d) = Words(name);
        foreach (var candidate in ByLength[name.Length])
        {
            if (candidate.A == a && candidate.B == b && candidate.C == c && candidate.D == d)
                return candidate.Kind;
        }
        return KvmEventKind.Other;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static (ulong A, ulong B, ulong C, ulong D) Words(ReadOnlySpan<byte> name)
    {
        var last = name.Length - 8;
        return (BinaryPrimitives.ReadUInt64LittleEndian(name),
            BinaryPrimitives.ReadUInt64LittleEndian(name[Math.Min(8, last)..]),
            BinaryPrimitives.ReadUInt64LittleEndian(name[Math.Min(16, last)..]),
            BinaryPrimitives.ReadUInt64LittleEndian(name[last..]));
    }

    private static Candidate[][] Build()
    {
        var table = new Candidate[MaxLength][];
        for (var i = 0; i < table.Length; i++)
            table[i] = [];
        for (var kind = KvmEventKind.Hypercall; kind <= KvmEventKind.Entry; kind++)
        {
            var name = System.Text.Encoding.ASCII.GetBytes(NameOf(kind));
            if (name.Length < 8)
                continue; // kvm_msr, compared on its own
            var (a, b, c, d) = Words(name);
            var candidate = new Candidate(a, b, c, d, kind);
            // The hypercall pair first within its length: it is the most frequent line of a Hyper-V trace.
            table[name.Length] = kind is KvmEventKind.Hypercall or KvmEventKind.HypercallDone
                ? [candidate, .. table[name.Length]]
                : [.. table[name.Length], candidate];
        }
        return table;
    }
}
