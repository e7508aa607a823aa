using System.Runtime.InteropServices;

namespace HvCall.Tracing.Kvm;

/// <summary>The parser's scratch: the fields of one line as it finds them, turned into a <see cref="KvmRecord"/> at the end.</summary>
[StructLayout(LayoutKind.Auto)]
internal struct LineFields
{
    public int Pid;
    public int Tgid;
    public int Cpu;
    public int Vcpu;
    public int CommStart;
    public int CommLength;
    public int NameStart;
    public int NameLength;
    public int PayloadStart;
    public int DetailStart;
    public int DetailLength;
    public long Time;
    public KvmClock Clock;
    public KvmRecordFlags Flags;
    public ulong Word0;
    public ulong Word1;
    public ulong Word2;
    public ulong Word3;

    /// <summary>Fields with nothing found yet.</summary>
    public static LineFields Empty => new() { Pid = -1, Tgid = -1, Cpu = -1, Vcpu = -1 };

    /// <summary>
    /// The stream key of trace-formats.md §3: the pid; else the comm (bit 62 set); else the CPU column (bit 61);
    /// else one key for every line without any of them (bit 60).
    /// </summary>
    /// <param name="commHash">The comm's hash, used only when there is no pid.</param>
    public readonly long TaskKey(ulong commHash)
    {
        if (Pid >= 0)
            return Pid;
        if (CommLength > 0)
            return (long)(commHash & ((1UL << 58) - 1)) | (1L << 62);
        if (Cpu >= 0)
            return (1L << 61) | (uint)Cpu;
        return 1L << 60;
    }

    /// <summary>The record of these fields.</summary>
    /// <param name="lineKind">What the line is.</param>
    /// <param name="kind">The event.</param>
    /// <param name="reason">Why it is unparsed, if it is.</param>
    /// <param name="lineNumber">The line number.</param>
    /// <param name="task">The stream key.</param>
    public readonly KvmRecord ToRecord(KvmLineKind lineKind, KvmEventKind kind, KvmUnparsedReason reason, long lineNumber, long task) => new()
    {
        LineKind = lineKind,
        Kind = kind,
        Reason = reason,
        Flags = Flags,
        Line = lineNumber,
        Pid = Pid,
        Tgid = Tgid,
        Cpu = Cpu,
        Vcpu = Vcpu,
        Task = task,
        CommStart = CommStart,
        CommLength = CommLength,
        NameStart = NameStart,
        NameLength = NameLength,
        DetailStart = DetailStart,
        DetailLength = DetailLength,
        Time = Time,
        Clock = Clock,
        Word0 = Word0,
        Word1 = Word1,
        Word2 = Word2,
        Word3 = Word3,
    };
}
