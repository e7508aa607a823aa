using System;
using System.Text;
using HvCall.Tracing.Kvm;

namespace HvCall.Tracing.Tests.Kvm;

/// <summary>
/// Lines from /work/shared/reference/trace-formats.md, verbatim where the sheet prints them ("synthesized from the
/// documented format strings"), and helpers that build more lines from the sheet's format strings by hand.
/// </summary>
internal static class Sheet
{
    // §1.1, new kernel ≥ 5.18 (7-wide pid, 5-char flags), then pre-2020 kernel (5-wide pid, 4-char flags, cnt form).
    public const string RawNew = "       CPU 1/KVM-20517   [003] ..... 73012.004211: kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2";
    public const string RawOld = "       CPU 1/KVM-20517 [003] .... 73012.004211: kvm_hv_hypercall: code 0x3 fast cnt 0x1 idx 0x0 in 0x0 out 0x2";

    // §1.2, trace-cmd report (padded event names), then the -l prefix.
    public const string ReportCall = "       CPU 1/KVM-20517 [003] ..... 73012.004211: kvm_hv_hypercall:     code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2";
    public const string ReportDone = "       CPU 1/KVM-20517 [003] ..... 73012.004215: kvm_hv_hypercall_done: result 0x100000000";
    public const string LatencyPrefix = "CPU 1/KV-20517   3.....";

    // §1.3, perf script.
    public const string PerfCall = "       CPU 1/KVM   20517 [003] 73012.004211:      kvm:kvm_hv_hypercall: code 0x3 fast var_cnt 0x0 rep_cnt 0x1 idx 0x0 in 0x0 out 0x2";
    public const string PerfDone = "       CPU 1/KVM   20517 [003] 73012.004215: kvm:kvm_hv_hypercall_done: result 0x100000000";

    // §2, payload part only.
    public const string PostMessage = "kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in 0x1a2b000 out 0x0";
    public const string DoneZero = "kvm_hv_hypercall_done: result 0x0";
    public const string FlushTlbExL2 = "kvm_hv_flush_tlb_ex: valid_bank_mask 0x1 format 0x0 address_space 0x0 flags 0x3 (L2)";
    public const string SendIpi = "kvm_hv_send_ipi: vector f3 processor_mask 0x6";
    public const string SynicSetMsr = "kvm_hv_synic_set_msr: vcpu_id 1 msr 0x40000083 data 0x1a2b3001 host 0";
    public const string MsrWrite = "kvm_msr: msr_write 40000083 = 0x1a2b3001";
    public const string ExitRaw = "kvm_exit: vcpu 1 reason VMCALL rip 0xfffff80312345678 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000";
    public const string EntryRaw = "kvm_entry: vcpu 1, rip 0xfffff8031234567b";
    public const string ExitPlugin = "kvm_exit: reason VMCALL rip 0xfffff80312345678 info 0 0";

    // §2, the non-L2 flush: "carries one trailing space after 0x0".
    public const string FlushTlbNotL2 = "kvm_hv_flush_tlb: processor_mask 0xf address_space 0x7c1e000 flags 0x0 ";

    /// <summary>
    /// A raw ftrace prefix built from §1.1's format: <c>"%16s-%-7d "</c>, optional <c>"(%7d) "</c>, <c>"[%03d] "</c>,
    /// flags, <c>" %5lu.%06lu: "</c> (given as text), event name and payload.
    /// </summary>
    public static string Raw(string comm, int pid, int cpu, string flags, string time, string eventAndPayload, int pidWidth = 7, int? tgid = null)
    {
        var builder = new StringBuilder();
        builder.Append(comm.PadLeft(16)).Append('-').Append(pid.ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(pidWidth)).Append(' ');
        if (tgid is { } t)
            builder.Append('(').Append(t.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(7)).Append(") ");
        builder.Append('[').Append(cpu.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).Append("] ");
        if (flags.Length > 0)
            builder.Append(flags).Append(' ');
        builder.Append(time.PadLeft(12)).Append(": ").Append(eventAndPayload);
        return builder.ToString();
    }

    public static KvmRecord Parse(string line, out KvmLineKind kind)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        kind = KvmLineParser.Parse(bytes, out var record);
        return record;
    }

    public static KvmRecord Event(string line)
    {
        var record = Parse(line, out var kind);
        if (kind != KvmLineKind.Event)
            throw new InvalidOperationException($"not an event ({kind}, {record.Reason}): {line}");
        return record;
    }

    public static string Comm(string line, in KvmRecord record) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(line).AsSpan(record.CommStart, record.CommLength));

    public static string Name(string line, in KvmRecord record) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(line).AsSpan(record.NameStart, record.NameLength));

    public static string Detail(string line, in KvmRecord record) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(line).AsSpan(record.DetailStart, record.DetailLength));
}
