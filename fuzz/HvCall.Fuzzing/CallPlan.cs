using HvCall.Abi;
using HvCall.Hypervisor.Processors;

namespace HvCall.Fuzzing;

/// <summary>One generated hypercall: who issues it, the control word, the input bytes and where they go, the register block.</summary>
internal sealed class CallPlan
{
    /// <summary>The largest input the generator writes: a 280-byte header, 1023 variable qwords and 4095 32-byte reps.</summary>
    public const int MaxInput = 280 + 1023 * 8 + 4095 * 32;

    public Caller Caller = null!;
    public VirtualProcessor Vp = null!;
    public HypercallControl Control;
    public readonly byte[] Input = new byte[MaxInput];
    public int InputLength;
    /// <summary>Whether the input bytes go into guest memory at <see cref="InputGpa"/> (memory form, inside memory).</summary>
    public bool WriteInput;
    public ulong InputGpa;
    public ulong OutputGpa;
    /// <summary>The parameter block: x64 RDX, R8, XMM0-5 (14 qwords), ARM64 X2-X17 (16).</summary>
    public readonly ulong[] Block = new ulong[16];
    /// <summary>ARM64 X0 on entry (the SMCCC function id, or something else on purpose).</summary>
    public ulong X0;
    /// <summary>True for a setup call (plausible, not random).</summary>
    public bool Setup;
}
