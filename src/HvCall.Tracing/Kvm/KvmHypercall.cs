using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Tracing.Kvm;

/// <summary>How a <c>kvm_hv_hypercall</c> ended in the log (trace-formats.md §3).</summary>
public enum KvmCallOutcome : byte
{
    /// <summary>Paired with the next <c>kvm_hv_hypercall_done</c> of its task.</summary>
    Completed,

    /// <summary>The task issued another call before any <c>_done</c> (kernel &lt; 5.14, a #UD after the trace, a
    /// VMM that never answered): the call has no result.</summary>
    NoDone,

    /// <summary>The log ended before the call's <c>_done</c> (for instance while the VMM worked on it).</summary>
    NoDoneAtEnd,

    /// <summary>A <c>kvm_hv_hypercall_done</c> with no open call of its task (the call was before the log began).</summary>
    DoneWithoutCall,
}

/// <summary>
/// One hypercall as the log shows it: the <c>kvm_hv_hypercall</c> line decoded with the catalog, and its
/// <c>kvm_hv_hypercall_done</c> when there is one (trace-formats.md §2, §3).
/// </summary>
/// <remarks>
/// <para>The control word is rebuilt from the traced fields (code, fast, var_cnt, rep_cnt, idx); the nested bit never shows
/// in a KVM trace (§2 "Field facts"). A <see cref="KvmCallOutcome.DoneWithoutCall"/> value carries only the
/// <c>_done</c> half.</para>
/// <para>The value refers to the two records instead of copying them (a <c>ref struct</c>): it is valid only during the
/// <see cref="IKvmTraceSink.OnCall"/> it is given to; copy what must outlive it.</para>
/// </remarks>
public readonly ref struct KvmHypercall
{
    private static readonly KvmRecord Missing;

    private readonly ref readonly KvmRecord _call;
    private readonly ref readonly KvmRecord _done;

    /// <summary>A call and its outcome.</summary>
    /// <param name="outcome">How it ended.</param>
    /// <param name="call">The <c>kvm_hv_hypercall</c> record (ignored for <see cref="KvmCallOutcome.DoneWithoutCall"/>).</param>
    /// <param name="done">The <c>kvm_hv_hypercall_done</c> record (ignored when there is none).</param>
    public KvmHypercall(KvmCallOutcome outcome, ref readonly KvmRecord call, ref readonly KvmRecord done)
    {
        Outcome = outcome;
        _call = ref outcome == KvmCallOutcome.DoneWithoutCall ? ref Missing : ref call;
        _done = ref outcome is KvmCallOutcome.Completed or KvmCallOutcome.DoneWithoutCall ? ref done : ref Missing;
    }

    /// <summary>A call that ended without a <c>_done</c>.</summary>
    /// <param name="outcome"><see cref="KvmCallOutcome.NoDone"/> or <see cref="KvmCallOutcome.NoDoneAtEnd"/>.</param>
    /// <param name="call">The call record.</param>
    public static KvmHypercall WithoutDone(KvmCallOutcome outcome, ref readonly KvmRecord call) => new(outcome, in call, in Missing);

    /// <summary>A <c>_done</c> with no call (<see cref="KvmCallOutcome.DoneWithoutCall"/>).</summary>
    /// <param name="done">The <c>_done</c> record.</param>
    public static KvmHypercall DoneOnly(ref readonly KvmRecord done) => new(KvmCallOutcome.DoneWithoutCall, in Missing, in done);

    /// <summary>How the call ended.</summary>
    public KvmCallOutcome Outcome { get; }

    /// <summary>The <c>kvm_hv_hypercall</c> line (a default record for <see cref="KvmCallOutcome.DoneWithoutCall"/>).</summary>
    public ref readonly KvmRecord Call => ref _call;

    /// <summary>The <c>kvm_hv_hypercall_done</c> line (a default record when there is none).</summary>
    public ref readonly KvmRecord Done => ref _done;

    /// <summary>The call line is known (every outcome but <see cref="KvmCallOutcome.DoneWithoutCall"/>).</summary>
    public bool HasCall => Outcome != KvmCallOutcome.DoneWithoutCall;

    /// <summary>The <c>_done</c> line is known.</summary>
    public bool HasDone => Outcome is KvmCallOutcome.Completed or KvmCallOutcome.DoneWithoutCall;

    /// <summary>The task (trace-formats.md §3) the call ran on.</summary>
    public long Task => HasCall ? Call.Task : Done.Task;

    /// <summary>The control word rebuilt from the traced fields.</summary>
    public HypercallControl Control => Call.Control;

    /// <summary>The call code.</summary>
    public HvCallCode Code => Control.Code;

    /// <summary>The catalog name (<c>HvCallFlushVirtualAddressList</c>), or null for a code the catalog does not know.</summary>
    public string? CatalogName => HypercallCatalog.TryGet(Code, out var info) ? info.Name : null;

    /// <summary>Register (fast) call.</summary>
    public bool IsFast => Control.IsFast;

    /// <summary>Rep count (<c>rep_cnt</c>, or <c>cnt</c> before 5.18).</summary>
    public int RepCount => Control.RepCount;

    /// <summary>Rep start index (<c>idx</c>).</summary>
    public int RepStart => Control.RepStart;

    /// <summary>Variable header size in 8-byte units (<c>var_cnt</c>; 0 in the ≤ 5.17 form, which does not print it).</summary>
    public int VariableHeaderSize => Control.VariableHeaderSize;

    /// <summary>The input GPA, or RDX for a fast call (<c>in</c>).</summary>
    public ulong Input => Call.Word1;

    /// <summary>The output GPA, or R8 for a fast call (<c>out</c>).</summary>
    public ulong Output => Call.Word2;

    /// <summary>The result word (valid when <see cref="HasDone"/>).</summary>
    public HypercallResult Result => Done.Result;

    /// <summary>The status of the result.</summary>
    public HvStatus Status => Result.Status;

    /// <summary>Reps completed, from the result.</summary>
    public int RepsCompleted => Result.RepsCompleted;

    /// <summary>
    /// The time from the call line to the <c>_done</c> line: nanoseconds when both are time stamps, ticks when both are
    /// counter values; false when a half is missing or the two clocks differ.
    /// </summary>
    /// <param name="latency">The latency.</param>
    /// <param name="clock">The clock of the pair: <see cref="KvmClock.Microseconds"/> when either stamp had only
    /// microsecond precision, <see cref="KvmClock.Nanoseconds"/> when both had nanoseconds, or <see cref="KvmClock.Counter"/>.</param>
    public bool TryGetLatency(out long latency, out KvmClock clock)
    {
        latency = 0;
        clock = KvmClock.None;
        if (Outcome != KvmCallOutcome.Completed)
            return false;
        var a = Call.Clock;
        var b = Done.Clock;
        if (a == KvmClock.None || b == KvmClock.None || (a == KvmClock.Counter) != (b == KvmClock.Counter))
            return false;
        latency = Done.Time - Call.Time;
        clock = a == KvmClock.Counter ? KvmClock.Counter
            : a == KvmClock.Nanoseconds && b == KvmClock.Nanoseconds ? KvmClock.Nanoseconds : KvmClock.Microseconds;
        return latency >= 0;
    }
}
