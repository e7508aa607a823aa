using System;
using System.Runtime.CompilerServices;
using HvCall.Abi;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// The payloads of the most frequent events read exactly as the kernel prints them (trace-formats.md §2: one space
/// between fields, no markers, the 5.18+ hypercall form, the kernel forms of <c>kvm_exit</c>/<c>kvm_entry</c>,
/// <c>kvm_msr</c>, <c>kvm_hv_synic_set_msr</c>, <c>kvm_hv_flush_tlb</c>, <c>kvm_hv_send_ipi</c>). A payload that differs
/// in any way is left to the tolerant <see cref="KvmPayloadDecoder"/>.
/// </summary>
internal static class KvmPayloadFastPath
{
    /// <summary>Tries the exact form of <paramref name="kind"/>; false (fields untouched but words) when it does not fit.</summary>
    /// <param name="kind">The event.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="f">Receives the words, flags and vCPU.</param>
    public static bool TryDecode(KvmEventKind kind, ReadOnlySpan<byte> payload, ref LineFields f)
    {
        var c = new Exact(payload);
        switch (kind)
        {
            case KvmEventKind.Hypercall:
            {
                if (!c.Literal("code 0x"u8) || !c.Hex(out var code) || code > HypercallControl.CodeMask)
                    return false;
                bool fast;
                if (c.Literal(" fast var_cnt 0x"u8))
                    fast = true;
                else if (c.Literal(" slow var_cnt 0x"u8))
                    fast = false;
                else
                    return false;
                if (!c.Hex(out var varCount) || !c.Literal(" rep_cnt 0x"u8) || !c.Hex(out var repCount) || !c.Literal(" idx 0x"u8) || !c.Hex(out var repStart)
                    || !c.Literal(" in 0x"u8) || !c.Hex(out var input) || !c.Literal(" out 0x"u8) || !c.Hex(out var output) || !c.AtEnd)
                    return false;
                if (varCount > HypercallControl.MaxVariableHeaderSize || repCount > HypercallControl.MaxRepCount || repStart > HypercallControl.MaxRepCount)
                    return false;
                f.Word0 = code | (fast ? HypercallControl.FastBit : 0) | (varCount << HypercallControl.VariableHeaderShift)
                    | (repCount << HypercallControl.RepCountShift) | (repStart << HypercallControl.RepStartShift);
                f.Word1 = input;
                f.Word2 = output;
                if (fast)
                    f.Flags |= KvmRecordFlags.Fast;
                return true;
            }
            case KvmEventKind.HypercallDone:
            {
                if (!c.Literal("result 0x"u8) || !c.Hex(out var result) || !c.AtEnd)
                    return false;
                f.Word0 = result;
                return true;
            }
            case KvmEventKind.Exit:
            {
                if (!c.Literal("vcpu "u8) || !c.Decimal(out var vcpu) || vcpu > int.MaxValue || !c.Literal(" reason "u8))
                    return false;
                var reasonStart = c.Position;
                if (!c.Word())
                    return false;
                var reason = payload[reasonStart..c.Position];
                if (!c.Literal(" rip 0x"u8) || !c.Hex(out var rip) || !c.Literal(" info1 0x"u8) || !c.Hex(out var info1)
                    || !c.Literal(" info2 0x"u8) || !c.Hex(out var info2))
                    return false;
                f.Vcpu = (int)vcpu;
                f.Word0 = rip;
                f.Word1 = info1;
                f.Word2 = info2;
                f.DetailStart = f.PayloadStart + reasonStart;
                f.DetailLength = reason.Length;
                if (reason.SequenceEqual("VMCALL"u8) || reason.SequenceEqual("hypercall"u8))
                    f.Flags |= KvmRecordFlags.HypercallExit;
                return true;
            }
            case KvmEventKind.Entry:
            {
                if (!c.Literal("vcpu "u8) || !c.Decimal(out var vcpu) || vcpu > int.MaxValue || !c.Literal(", rip 0x"u8) || !c.Hex(out var rip))
                    return false;
                if (!c.AtEnd)
                {
                    if (!c.Literal("[immediate exit]"u8) || !c.AtEnd)
                        return false;
                    f.Flags |= KvmRecordFlags.ImmediateExit;
                }
                f.Vcpu = (int)vcpu;
                f.Word0 = rip;
                return true;
            }
            case KvmEventKind.Msr:
            {
                bool write;
                if (c.Literal("msr_write "u8))
                    write = true;
                else if (c.Literal("msr_read "u8))
                    write = false;
                else
                    return false;
                if (!c.BareHex(out var msr) || msr > uint.MaxValue || !c.Literal(" = 0x"u8) || !c.Hex(out var data))
                    return false;
                if (!c.AtEnd)
                {
                    if (!c.Literal(" (#GP)"u8) || !c.AtEnd)
                        return false;
                    f.Flags |= KvmRecordFlags.GeneralProtection;
                }
                if (write)
                    f.Flags |= KvmRecordFlags.Write;
                f.Word0 = msr;
                f.Word1 = data;
                return true;
            }
            case KvmEventKind.SynicSetMsr:
            {
                if (!c.Literal("vcpu_id "u8) || !c.Decimal(out var vcpu) || vcpu > int.MaxValue || !c.Literal(" msr 0x"u8) || !c.Hex(out var msr)
                    || !c.Literal(" data 0x"u8) || !c.Hex(out var data) || !c.Literal(" host "u8) || !c.Decimal(out var host) || !c.AtEnd)
                    return false;
                f.Vcpu = (int)vcpu;
                f.Word0 = msr;
                f.Word1 = data;
                if (host != 0)
                    f.Flags |= KvmRecordFlags.Host;
                return true;
            }
            case KvmEventKind.FlushTlb:
            {
                if (!c.Literal("processor_mask 0x"u8) || !c.Hex(out var mask) || !c.Literal(" address_space 0x"u8) || !c.Hex(out var space)
                    || !c.Literal(" flags 0x"u8) || !c.Hex(out var flags))
                    return false;
                if (!c.AtEnd)
                {
                    if (!c.Literal(" (L2)"u8) || !c.AtEnd)
                        return false;
                    f.Flags |= KvmRecordFlags.L2;
                }
                f.Word0 = mask;
                f.Word1 = space;
                f.Word2 = flags;
                return true;
            }
            case KvmEventKind.SendIpi:
            {
                if (!c.Literal("vector "u8) || !c.BareHex(out var vector) || !c.Literal(" processor_mask 0x"u8) || !c.Hex(out var mask) || !c.AtEnd)
                    return false;
                f.Word0 = vector;
                f.Word1 = mask;
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>A position in a payload that only moves over exactly what it expects.</summary>
    private ref struct Exact(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;

        public int Position { get; private set; }

        public readonly bool AtEnd => _text[Position..].TrimEnd((byte)' ').IsEmpty;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Literal(ReadOnlySpan<byte> literal)
        {
            if (!_text[Position..].StartsWith(literal))
                return false;
            Position += literal.Length;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Hex(out ulong value)
        {
            var consumed = TraceText.ParseHex(_text[Position..], out value);
            Position += consumed;
            return consumed > 0 && Boundary();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool BareHex(out ulong value) => Hex(out value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Decimal(out ulong value)
        {
            var consumed = TraceText.ParseDecimal(_text[Position..], out value);
            Position += consumed;
            return consumed > 0 && Boundary();
        }

        /// <summary>Moves over a run of non-space bytes (at least one).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Word()
        {
            var start = Position;
            while (Position < _text.Length && _text[Position] != (byte)' ')
                Position++;
            return Position > start;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly bool Boundary() => Position >= _text.Length || _text[Position] is (byte)' ' or (byte)',' or (byte)'[';
    }
}
