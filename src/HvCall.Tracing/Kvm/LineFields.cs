using System.Runtime.InteropServices;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// The fields of one line, filled in place by the parser (the storage behind <see cref="KvmRecord"/>, which exposes
/// them read-only).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct LineFields
{
    public KvmLineKind LineKind;
    public KvmEventKind Kind;
    public KvmUnparsedReason Reason;
    public KvmClock Clock;
    public KvmRecordFlags Flags;
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
    public long Line;
    public long Task;
    public long Time;
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
}
