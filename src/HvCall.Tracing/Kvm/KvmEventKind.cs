namespace HvCall.Tracing.Kvm;

/// <summary>
/// The events of a KVM trace log the reader decodes, and what each <see cref="KvmRecord"/> word holds for them.
/// </summary>
/// <remarks>
/// The events and their payload formats are those of trace-formats.md §2 (the exact TP_printk strings of TRACE_SYSTEM
/// <c>kvm</c>); the plugin forms of <c>kvm_exit</c> and <c>kvm_entry</c> are those of trace-formats.md §1.2. A decimal
/// <c>vcpu_id</c>/<c>vcpu</c> goes to <see cref="KvmRecord.Vcpu"/>, never to a word.
/// </remarks>
public enum KvmEventKind : byte
{
    /// <summary>Not an event line (see <see cref="KvmRecord.LineKind"/>).</summary>
    None,

    /// <summary>
    /// Any event this reader does not decode (<c>sched_switch</c>, <c>kvm_hv_timer_state</c>, which is the VMX preemption
    /// timer and not Hyper-V, or a <c>kvm_hv_*</c> event newer than the sheet). Counted by name, never an error.
    /// </summary>
    Other,

    /// <summary>
    /// <c>kvm_hv_hypercall</c>, both forms (5.18+ <c>var_cnt rep_cnt</c>, ≤ 5.17 <c>cnt</c>). Word0: the control word
    /// rebuilt from the fields (code, fast bit, var_cnt, rep_cnt, idx; the nested bit never shows); Word1: <c>in</c>;
    /// Word2: <c>out</c>. <see cref="KvmRecordFlags.LegacyCountForm"/> marks the <c>cnt</c> form.
    /// </summary>
    Hypercall,

    /// <summary><c>kvm_hv_hypercall_done</c> (5.14+). Word0: the 64-bit result word.</summary>
    HypercallDone,

    /// <summary><c>kvm_msr</c>. Word0: MSR index; Word1: data. Flags: <see cref="KvmRecordFlags.Write"/>,
    /// <see cref="KvmRecordFlags.GeneralProtection"/> for the <c> (#GP)</c> suffix.</summary>
    Msr,

    /// <summary><c>kvm_hv_synic_set_msr</c>. Word0: MSR; Word1: data; <see cref="KvmRecordFlags.Host"/> for <c>host 1</c>.</summary>
    SynicSetMsr,

    /// <summary><c>kvm_hv_synic_set_irq</c>. Word0: sint; Word1: vector; Word2: ret (a signed value).</summary>
    SynicSetIrq,

    /// <summary><c>kvm_hv_notify_acked_sint</c>. Word0: sint.</summary>
    NotifyAckedSint,

    /// <summary><c>kvm_hv_synic_send_eoi</c>. Word0: vector.</summary>
    SynicSendEoi,

    /// <summary><c>kvm_hv_flush_tlb</c>. Word0: processor_mask; Word1: address_space; Word2: flags;
    /// <see cref="KvmRecordFlags.L2"/> for the <c>(L2)</c> slot.</summary>
    FlushTlb,

    /// <summary><c>kvm_hv_flush_tlb_ex</c>. Word0: valid_bank_mask; Word1: format; Word2: address_space; Word3: flags;
    /// <see cref="KvmRecordFlags.L2"/> for the <c>(L2)</c> slot.</summary>
    FlushTlbEx,

    /// <summary><c>kvm_hv_send_ipi</c>. Word0: vector (printed as bare hex); Word1: processor_mask.</summary>
    SendIpi,

    /// <summary><c>kvm_hv_send_ipi_ex</c>. Word0: vector; Word1: format (both bare hex); Word2: valid_bank_mask.</summary>
    SendIpiEx,

    /// <summary><c>kvm_hv_stimer_set_config</c>. Word0: timer; Word1: config; <see cref="KvmRecordFlags.Host"/>.</summary>
    StimerSetConfig,

    /// <summary><c>kvm_hv_stimer_set_count</c>. Word0: timer; Word1: count; <see cref="KvmRecordFlags.Host"/>.</summary>
    StimerSetCount,

    /// <summary><c>kvm_hv_stimer_start_periodic</c>. Word0: timer; Word1: time_now; Word2: exp_time.</summary>
    StimerStartPeriodic,

    /// <summary><c>kvm_hv_stimer_start_one_shot</c>. Word0: timer; Word1: time_now; Word2: count.</summary>
    StimerStartOneShot,

    /// <summary><c>kvm_hv_stimer_callback</c>. Word0: timer.</summary>
    StimerCallback,

    /// <summary><c>kvm_hv_stimer_cleanup</c>. Word0: timer.</summary>
    StimerCleanup,

    /// <summary><c>kvm_hv_stimer_expiration</c>. Word0: timer; Word1: direct; Word2: send result (signed).</summary>
    StimerExpiration,

    /// <summary><c>kvm_hv_syndbg_set_msr</c>. Word0: vp_index; Word1: MSR; Word2: data.</summary>
    SyndbgSetMsr,

    /// <summary><c>kvm_hv_syndbg_get_msr</c>. Word0: vp_index; Word1: MSR; Word2: data.</summary>
    SyndbgGetMsr,

    /// <summary>
    /// <c>kvm_exit</c>, kernel or plugin form. Word0: rip; Word1: info1 (plugin: first <c>info</c>); Word2: info2.
    /// <see cref="KvmRecordFlags.HypercallExit"/> when the reason is <c>VMCALL</c>, <c>hypercall</c> or
    /// <c>EXIT_VMMCALL</c>; <see cref="KvmRecord.DetailStart"/> spans the reason name.
    /// </summary>
    Exit,

    /// <summary><c>kvm_entry</c>, kernel or plugin form. Word0: rip; <see cref="KvmRecordFlags.ImmediateExit"/> for
    /// <c>[immediate exit]</c>.</summary>
    Entry,
}

/// <summary>What a line of a KVM trace log is.</summary>
/// <remarks>trace-formats.md §1 and the checklist of §4.</remarks>
public enum KvmLineKind : byte
{
    /// <summary>An event (recognised or <see cref="KvmEventKind.Other"/>).</summary>
    Event,

    /// <summary>An empty line or one of spaces only (old TP_printk strings ending in <c>\n</c>, §1.1).</summary>
    Blank,

    /// <summary>A <c>#</c> header line (§1.1).</summary>
    Header,

    /// <summary><c>trace-cmd report</c>'s <c>cpus=N</c> or <c>version = N</c> (§1.2).</summary>
    Metadata,

    /// <summary>A <c>CPU:n [N EVENTS DROPPED]</c> marker (§1.2). <see cref="KvmRecord.Cpu"/> is n; Word0 is N.</summary>
    DropMarker,

    /// <summary>
    /// A prefix (task, CPU, flags) with nothing after it: the first half of a line that old <c>trace-cmd report</c>
    /// builds split with a stray <c>\n</c> before a small timestamp (§1.2). The reader lends its identity to the next line.
    /// </summary>
    PrefixOnly,

    /// <summary>A line the parser does not understand; <see cref="KvmRecord.Reason"/> says why. Skipped, never fatal.</summary>
    Unparsed,
}

/// <summary>Why a line was not understood.</summary>
public enum KvmUnparsedReason : byte
{
    /// <summary>Not unparsed.</summary>
    None,

    /// <summary>Text with no recognisable event (no <c>&lt;event&gt;: </c> after a known prefix).</summary>
    NoEvent,

    /// <summary>A decoded event (§2) whose payload does not match its format.</summary>
    BadPayload,

    /// <summary>The line holds control bytes (NUL and the like): binary data, not trace text.</summary>
    Binary,

    /// <summary>The line is longer than the reader's buffer; it was skipped to its end.</summary>
    TooLong,

    /// <summary>The input ended inside this line and it could not be read.</summary>
    Truncated,

    /// <summary>A prefix-only line (<see cref="KvmLineKind.PrefixOnly"/>) that no continuation followed.</summary>
    PrefixWithoutEvent,
}

/// <summary>What a timestamp is (trace-formats.md §1.1, §1.2, §4 item 2).</summary>
public enum KvmClock : byte
{
    /// <summary>The line has no timestamp (payload-only, perf <c>-F</c> without time).</summary>
    None,

    /// <summary><c>secs.usecs</c> (6 decimals or fewer); <see cref="KvmRecord.Time"/> is in nanoseconds.</summary>
    Microseconds,

    /// <summary><c>secs.nsecs</c> (trace-cmd <c>-t</c>, perf <c>--ns</c>; 7 decimals or more); time in nanoseconds.</summary>
    Nanoseconds,

    /// <summary>A bare integer: a counter trace clock (or trace-cmd's timestamp ≤ 1 s); time in its own ticks.</summary>
    Counter,
}
