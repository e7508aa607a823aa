using System;
using System.Runtime.CompilerServices;
using HvCall.Abi;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Decodes the payload of each event of trace-formats.md §2 from its exact TP_printk format into the words of
/// <see cref="KvmEventKind"/>, and the plugin forms of <c>kvm_exit</c>/<c>kvm_entry</c> (§1.2).
/// </summary>
/// <remarks>
/// Number forms follow §4 item 4: <c>0x</c>-hex for <c>0x%x</c>/<c>0x%llx</c>, bare hex for <c>vector %x</c> of the IPI
/// events, <c>format %llx</c> of <c>kvm_hv_send_ipi_ex</c> and the <c>kvm_msr</c> index, decimal for <c>%d</c>/<c>%u</c>/<c>%llu</c>.
/// Trailing text (the empty <c>(L2)</c> slot's space, an RFC's <c> vtl %d</c>) is tolerated.
/// </remarks>
internal static class KvmPayloadDecoder
{
    /// <summary>Decodes the payload of <paramref name="kind"/> at <see cref="LineFields.PayloadStart"/>.</summary>
    /// <param name="kind">The event (not <see cref="KvmEventKind.Other"/>).</param>
    /// <param name="line">The whole line.</param>
    /// <param name="f">Receives the words, flags and vCPU.</param>
    /// <returns>False when the payload does not match the event's format.</returns>
    public static bool Decode(KvmEventKind kind, ReadOnlySpan<byte> line, ref LineFields f)
    {
        var flags = f.Flags;
        if (KvmPayloadFastPath.TryDecode(kind, line[f.PayloadStart..], ref f))
            return true;
        f.Flags = flags;
        f.Word0 = f.Word1 = f.Word2 = f.Word3 = 0;
        var c = new PayloadCursor(line[f.PayloadStart..]);
        var ok = kind switch
        {
            KvmEventKind.Hypercall => Hypercall(ref c, ref f),
            KvmEventKind.HypercallDone => c.Key("result"u8) && c.Hex0x(out f.Word0),
            KvmEventKind.Msr => Msr(ref c, ref f),
            KvmEventKind.SynicSetMsr => Vcpu(ref c, ref f) && c.Key("msr"u8) && c.Hex0x(out f.Word0) && c.Key("data"u8) && c.Hex0x(out f.Word1) && Host(ref c, ref f),
            KvmEventKind.SynicSetIrq => Vcpu(ref c, ref f) && c.Key("sint"u8) && c.Decimal(out f.Word0) && c.Key("vector"u8) && c.Decimal(out f.Word1) && c.Key("ret"u8) && Signed(ref c, out f.Word2),
            KvmEventKind.NotifyAckedSint => Vcpu(ref c, ref f) && c.Key("sint"u8) && c.Decimal(out f.Word0),
            KvmEventKind.SynicSendEoi => Vcpu(ref c, ref f) && c.Key("vector"u8) && c.Decimal(out f.Word0),
            KvmEventKind.FlushTlb => c.Key("processor_mask"u8) && c.Hex0x(out f.Word0) && c.Key("address_space"u8) && c.Hex0x(out f.Word1)
                && c.Key("flags"u8) && c.Hex0x(out f.Word2) && L2(ref c, ref f),
            KvmEventKind.FlushTlbEx => c.Key("valid_bank_mask"u8) && c.Hex0x(out f.Word0) && c.Key("format"u8) && c.Hex0x(out f.Word1)
                && c.Key("address_space"u8) && c.Hex0x(out f.Word2) && c.Key("flags"u8) && c.Hex0x(out f.Word3) && L2(ref c, ref f),
            KvmEventKind.SendIpi => c.Key("vector"u8) && c.BareHex(out f.Word0) && c.Key("processor_mask"u8) && c.Hex0x(out f.Word1),
            KvmEventKind.SendIpiEx => c.Key("vector"u8) && c.BareHex(out f.Word0) && c.Key("format"u8) && c.BareHex(out f.Word1)
                && c.Key("valid_bank_mask"u8) && c.Hex0x(out f.Word2),
            KvmEventKind.StimerSetConfig => Timer(ref c, ref f) && c.Key("config"u8) && c.Hex0x(out f.Word1) && Host(ref c, ref f),
            KvmEventKind.StimerSetCount => Timer(ref c, ref f) && c.Key("count"u8) && c.Decimal(out f.Word1) && Host(ref c, ref f),
            KvmEventKind.StimerStartPeriodic => Timer(ref c, ref f) && c.Key("time_now"u8) && c.Decimal(out f.Word1) && c.Key("exp_time"u8) && c.Decimal(out f.Word2),
            KvmEventKind.StimerStartOneShot => Timer(ref c, ref f) && c.Key("time_now"u8) && c.Decimal(out f.Word1) && c.Key("count"u8) && c.Decimal(out f.Word2),
            KvmEventKind.StimerCallback or KvmEventKind.StimerCleanup => Timer(ref c, ref f),
            KvmEventKind.StimerExpiration => Timer(ref c, ref f) && c.Key("direct"u8) && c.Decimal(out f.Word1) && c.Key("send"u8) && c.Key("result"u8) && Signed(ref c, out f.Word2),
            KvmEventKind.SyndbgSetMsr or KvmEventKind.SyndbgGetMsr => Vcpu(ref c, ref f) && c.Key("vp_index"u8) && c.Decimal(out f.Word0)
                && c.Key("msr"u8) && c.Hex0x(out f.Word1) && c.Key("data"u8) && c.Hex0x(out f.Word2),
            KvmEventKind.Exit => Exit(ref c, ref f),
            KvmEventKind.Entry => Entry(ref c, ref f),
            _ => false,
        };
        if (c.SawMarker)
            f.Flags |= KvmRecordFlags.MissingFieldMarker;
        return ok;
    }

    /// <summary>
    /// <c>code 0x%x %s var_cnt 0x%x rep_cnt 0x%x idx 0x%x in 0x%llx out 0x%llx</c> (5.18+) or
    /// <c>code 0x%x %s cnt 0x%x idx 0x%x in 0x%llx out 0x%llx</c> (≤ 5.17), trace-formats.md §2. The control word is
    /// rebuilt from the fields: code bits 15:0, fast bit 16, var_cnt bits 26:17, rep_cnt bits 43:32, idx bits 59:48.
    /// </summary>
    private static bool Hypercall(ref PayloadCursor c, ref LineFields f)
    {
        if (!c.Key("code"u8) || !c.Hex0x(out var code) || code > HypercallControl.CodeMask)
            return false;
        if (!c.Flag("fast"u8, "slow"u8, out var fast))
            return false;
        ulong varCount = 0;
        ulong repCount;
        if (c.Key("var_cnt"u8))
        {
            if (!c.Hex0x(out varCount) || !c.Key("rep_cnt"u8) || !c.Hex0x(out repCount))
                return false;
        }
        else if (c.Key("cnt"u8) && c.Hex0x(out repCount))
        {
            f.Flags |= KvmRecordFlags.LegacyCountForm;
        }
        else
        {
            return false;
        }
        if (!c.Key("idx"u8) || !c.Hex0x(out var repStart) || !c.Key("in"u8) || !c.Hex0x(out f.Word1) || !c.Key("out"u8) || !c.Hex0x(out f.Word2))
            return false;
        if (varCount > HypercallControl.MaxVariableHeaderSize || repCount > HypercallControl.MaxRepCount || repStart > HypercallControl.MaxRepCount)
            return false;
        if (fast)
            f.Flags |= KvmRecordFlags.Fast;
        f.Word0 = code
            | (fast ? HypercallControl.FastBit : 0)
            | (varCount << HypercallControl.VariableHeaderShift)
            | (repCount << HypercallControl.RepCountShift)
            | (repStart << HypercallControl.RepStartShift);
        return true;
    }

    /// <summary><c>msr_%s %x = 0x%llx%s</c>: read/write, the index in bare hex, the data, an optional <c> (#GP)</c>.</summary>
    private static bool Msr(ref PayloadCursor c, ref LineFields f)
    {
        if (c.Key("msr_write"u8))
            f.Flags |= KvmRecordFlags.Write;
        else if (!c.Key("msr_read"u8))
            return false;
        if (!c.BareHex(out f.Word0) || f.Word0 > uint.MaxValue || !c.Key("="u8) || !c.Hex0x(out f.Word1))
            return false;
        if (c.Literal("(#GP)"u8))
            f.Flags |= KvmRecordFlags.GeneralProtection;
        return true;
    }

    /// <summary>
    /// Kernel form <c>vcpu %u reason %s%s%s rip 0x%lx info1 0x%016llx info2 0x%016llx …</c> (§2) or plugin form
    /// <c>reason %s rip 0x%llx info %llx %llx</c> (§1.2). A hypercall exit is <c>VMCALL</c> (VMX), <c>hypercall</c>
    /// (SVM, kernel) or <c>EXIT_VMMCALL</c> (SVM, plugin) (§4 item 6).
    /// </summary>
    private static bool Exit(ref PayloadCursor c, ref LineFields f)
    {
        if (c.Key("vcpu"u8) && !Vcpu(ref c, ref f, keyRead: true))
            return false;
        if (!c.Key("reason"u8) && !c.SkipPast("reason "u8))
            return false;
        var payloadOffset = f.PayloadStart;
        c.Token(out var start, out var length);
        if (length == 0)
            return false;
        f.DetailStart = payloadOffset + start;
        f.DetailLength = length;
        var reason = c.Slice(start, length);
        if (reason.SequenceEqual("VMCALL"u8) || reason.SequenceEqual("hypercall"u8) || reason.SequenceEqual("EXIT_VMMCALL"u8))
            f.Flags |= KvmRecordFlags.HypercallExit;
        if ((c.Key("rip"u8) || c.SkipPast("rip "u8)) && !c.Hex0x(out f.Word0))
            return false;
        if (c.Key("info1"u8))
        {
            if (!c.Hex0x(out f.Word1) || !c.Key("info2"u8) || !c.Hex0x(out f.Word2))
                return false;
        }
        else if (c.Key("info"u8))
        {
            if (!c.BareHex(out f.Word1) || !c.BareHex(out f.Word2))
                return false;
        }
        return true;
    }

    /// <summary>Kernel form <c>vcpu %u, rip 0x%lx%s</c> (§2) or plugin form <c> vcpu %u rip 0x%llx</c> (§1.2).</summary>
    private static bool Entry(ref PayloadCursor c, ref LineFields f)
    {
        if (!Vcpu(ref c, ref f, keyRead: false, key: "vcpu"u8))
            return false;
        c.Literal(","u8);
        if (!c.Key("rip"u8) || !c.Hex0x(out f.Word0))
            return false;
        if (c.Literal("[immediate exit]"u8))
            f.Flags |= KvmRecordFlags.ImmediateExit;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Vcpu(ref PayloadCursor c, ref LineFields f) => Vcpu(ref c, ref f, keyRead: false, key: "vcpu_id"u8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Vcpu(ref PayloadCursor c, ref LineFields f, bool keyRead, ReadOnlySpan<byte> key = default)
    {
        if (!keyRead && !c.Key(key))
            return false;
        if (!c.SmallDecimal(out var vcpu))
            return false;
        f.Vcpu = vcpu;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Timer(ref PayloadCursor c, ref LineFields f) => Vcpu(ref c, ref f) && c.Key("timer"u8) && c.Decimal(out f.Word0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Host(ref PayloadCursor c, ref LineFields f)
    {
        if (!c.Key("host"u8) || !c.Decimal(out var host))
            return false;
        if (host != 0)
            f.Flags |= KvmRecordFlags.Host;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool L2(ref PayloadCursor c, ref LineFields f)
    {
        if (c.Literal("(L2)"u8))
            f.Flags |= KvmRecordFlags.L2;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Signed(ref PayloadCursor c, out ulong word)
    {
        var ok = c.SignedDecimal(out var value);
        word = (ulong)value;
        return ok;
    }
}
