using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Synic;
using HvCall.Tracing;

namespace HvCall.Hypervisor.Processors;

/// <summary>
/// A virtual processor: its register file (the one of its partition's architecture), its SynIC, and
/// the record of interrupts and faults the hypervisor raised on it.
/// </summary>
public sealed class VirtualProcessor
{
    private readonly int[] _interruptsPerSint = new int[SynicState.SintCount];

    internal VirtualProcessor(Partition partition, uint index)
    {
        Partition = partition;
        Index = index;
        Synic = new SynicState(this);
    }

    /// <summary>The partition the VP belongs to.</summary>
    public Partition Partition { get; }

    /// <summary>The VP index (HV_X64_MSR_VP_INDEX / HvRegisterVpIndex).</summary>
    public uint Index { get; }

    /// <summary>The architecture of the VP's partition.</summary>
    public HvArchitecture Architecture => Partition.Architecture;

    /// <summary>The x64 register file (meaningful on x64 partitions).</summary>
    public X64RegisterFile X64 { get; } = new();

    /// <summary>The ARM64 register file (meaningful on ARM64 partitions).</summary>
    public Arm64RegisterFile Arm64 { get; } = new();

    /// <summary>The VP's synthetic interrupt controller.</summary>
    public SynicState Synic { get; }

    /// <summary>The fault raised by the last instruction the hypervisor handled, or <see cref="VpFault.None"/>.</summary>
    public VpFault LastFault { get; internal set; }

    /// <summary>Total SynIC interrupts raised on this VP.</summary>
    public int InterruptCount { get; private set; }

    /// <summary>The vector of the last SynIC interrupt raised, or 0.</summary>
    public byte LastInterruptVector { get; private set; }

    /// <summary>The instruction pointer (RIP or PC).</summary>
    public ulong InstructionPointer => Architecture == HvArchitecture.X64 ? X64.Rip : Arm64.Pc;

    /// <summary>SynIC interrupts raised on this VP for one SINT.</summary>
    /// <param name="sint">0 to 15.</param>
    public int InterruptsFor(int sint) => _interruptsPerSint[sint & 0xF];

    internal void RaiseInterrupt(int sint, byte vector)
    {
        _interruptsPerSint[sint]++;
        InterruptCount++;
        LastInterruptVector = vector;
        Emit(TraceEventKind.InterruptRaised, (ulong)sint, vector);
    }

    /// <summary>Emits an event on this VP's track when someone listens to its hypervisor's stream.</summary>
    internal void Emit(TraceEventKind kind, ulong word0, ulong word1 = 0, ulong word2 = 0)
    {
        var hypervisor = Partition.Hypervisor;
        hypervisor.Listening?.Emit(kind, hypervisor.TrackOf(Partition), Index, word0, word1, word2);
    }

    /// <summary>"partition/vp", for messages.</summary>
    public override string ToString() => $"{Partition.Name}/vp{Index}";
}
