using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Abi.Cpuid;
using HvCall.Guest.Gateways;
using HvCall.Guest.Routing;

namespace HvCall.Guest.Tests.Support;

/// <summary>A CPUID fake answering from a table (zero for any other leaf) and recording the leaves queried.</summary>
internal sealed class FakeCpuid : ICpuidInstruction
{
    private readonly Dictionary<uint, CpuidResult> _leaves = [];

    public List<uint> Queried { get; } = [];

    public FakeCpuid With(uint leaf, CpuidResult result)
    {
        _leaves[leaf] = result;
        return this;
    }

    public CpuidResult Query(uint leaf, uint subleaf = 0)
    {
        Queried.Add(leaf);
        return _leaves.TryGetValue(leaf, out var result) ? result : default;
    }
}

/// <summary>One RDMSR or WRMSR as the fake saw it.</summary>
internal readonly record struct MsrAccess(bool IsWrite, uint Msr, ulong Value);

/// <summary>An MSR fake: a dictionary of values, a set of MSRs that fault (#GP), and a log of every access.</summary>
internal sealed class RecordingMsrs : IMsrInstructions
{
    private readonly Dictionary<uint, ulong> _values = [];

    public List<MsrAccess> Accesses { get; } = [];

    public HashSet<uint> Faulting { get; } = [];

    public ulong this[uint msr]
    {
        get => _values.TryGetValue(msr, out var value) ? value : 0;
        set => _values[msr] = value;
    }

    public bool TryRead(uint msr, out ulong value)
    {
        Accesses.Add(new MsrAccess(false, msr, 0));
        value = this[msr];
        return !Faulting.Contains(msr);
    }

    public bool TryWrite(uint msr, ulong value)
    {
        Accesses.Add(new MsrAccess(true, msr, value));
        if (Faulting.Contains(msr))
            return false;
        _values[msr] = value;
        return true;
    }
}

/// <summary>Builds issuers over the recording fake.</summary>
internal static class Issuer
{
    public const ulong InputGpa = 0x0010_0000;
    public const ulong OutputGpa = InputGpa + 0x1000;

    public static RoutingConfiguration NestedRoot { get; } = new(HvArchitecture.X64, NestedRoot: true);

    public static RoutingConfiguration Flat { get; } = RoutingConfiguration.Flat(HvArchitecture.X64);

    public static Hypercalls Create(
        out RecordingHypercallInstruction fake, bool nestedRoot = false,
        HvArchitecture architecture = HvArchitecture.X64, HypercallResponder? responder = null) =>
        Create(out fake, nestedRoot ? NestedRoot : RoutingConfiguration.Flat(architecture), architecture, responder);

    public static Hypercalls Create(
        out RecordingHypercallInstruction fake, RoutingConfiguration configuration,
        HvArchitecture architecture = HvArchitecture.X64, HypercallResponder? responder = null)
    {
        fake = new RecordingHypercallInstruction(architecture, responder);
        return new Hypercalls(fake, NestedRouting.Create(configuration), HypercallPages.CreateManaged(InputGpa));
    }

    public static HypercallControl Control(this HypercallRegisters registers) => new(registers[HypercallRegisters.Control]);
}
