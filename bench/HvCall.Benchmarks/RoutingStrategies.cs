using System;
using System.Linq;
using System.Runtime.CompilerServices;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Guest;
using HvCall.Guest.Routing;

namespace HvCall.Benchmarks;

/// <summary>
/// One routing decision: the nested bit (bit 31) for an operation, or zero. Implemented by structs so that a
/// generic issuer is specialised per strategy and the decision inlines with no interface dispatch.
/// </summary>
public interface IRoutingDecision
{
    /// <summary>The nested bit for <paramref name="code"/> issued from a call site that is (or is not) a VMBus site.</summary>
    /// <param name="code">The call code.</param>
    /// <param name="callSiteIsVmbus">Static fact of the call site; only the call-site ternary reads it.</param>
    ulong FlagFor(HvCallCode code, bool callSiteIsVmbus);
}

/// <summary>HvCall's design: the real <see cref="NestedRouting.FlagFor"/> (64-byte bitmap, branch-free).</summary>
/// <param name="routing">The routing table.</param>
public readonly struct BitmapDecision(NestedRouting routing) : IRoutingDecision
{
    private readonly NestedRouting _routing = routing;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FlagFor(HvCallCode code, bool callSiteIsVmbus) => _routing.FlagFor(code);
}

/// <summary>Alternative (a): <c>if (nested) switch (code) { case 0x5C: case 0x5D: flag = bit31; }</c>.</summary>
/// <param name="nested">Whether this partition is a nested root.</param>
public readonly struct SwitchDecision(bool nested) : IRoutingDecision
{
    private readonly bool _nested = nested;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FlagFor(HvCallCode code, bool callSiteIsVmbus) => RoutingStrategies.Switch(_nested, code);
}

/// <summary>Alternative (b), Linux upstream: the call site open-codes <c>control |= hv_nested ? NESTED : 0</c>.</summary>
/// <param name="nested">Whether this partition is a nested root (Linux <c>hv_nested</c>).</param>
public readonly struct CallSiteTernaryDecision(bool nested) : IRoutingDecision
{
    private readonly bool _nested = nested;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FlagFor(HvCallCode code, bool callSiteIsVmbus) => RoutingStrategies.CallSiteTernary(callSiteIsVmbus, _nested);
}

/// <summary>Alternative (c), the floor: no routing at all.</summary>
public readonly struct NoDecision : IRoutingDecision
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong FlagFor(HvCallCode code, bool callSiteIsVmbus) => 0;
}

/// <summary>The alternative decisions as plain functions, plus the shared benchmark fixtures.</summary>
public static class RoutingStrategies
{
    /// <summary>HvCallPostMessage, as a switch label must be a constant (checked against the catalog in <see cref="NestedRootRouting"/>).</summary>
    public const ushort PostMessageCode = 0x5C;

    /// <summary>HvCallSignalEvent.</summary>
    public const ushort SignalEventCode = 0x5D;

    /// <summary>GPA of the benchmark input page (the output page follows it).</summary>
    public const ulong InputGpa = 0x10_0000;

    /// <summary>The nested test plus switch.</summary>
    /// <param name="nested">Whether this partition is a nested root.</param>
    /// <param name="code">The call code.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Switch(bool nested, HvCallCode code)
    {
        ulong flag = 0;
        if (nested)
        {
            switch (code.Value)
            {
                case PostMessageCode:
                case SignalEventCode:
                    flag = HypercallControl.NestedBit;
                    break;
            }
        }
        return flag;
    }

    /// <summary>The Linux call-site ternary: only a VMBus call site ORs in <c>hv_nested ? NESTED : 0</c>.</summary>
    /// <param name="callSiteIsVmbus">Whether the call site is one of the two VMBus sites.</param>
    /// <param name="nested">Linux <c>hv_nested</c>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CallSiteTernary(bool callSiteIsVmbus, bool nested) =>
        callSiteIsVmbus && nested ? HypercallControl.NestedBit : 0;

    /// <summary>The routing table of an x64 nested root, after checking that the switch's constants match the catalog.</summary>
    public static NestedRouting NestedRootRouting()
    {
        var catalogNested = HypercallCatalog.NestedWhenNestedRoot.Select(static code => code.Value).Order().ToArray();
        if (!catalogNested.SequenceEqual<ushort>([PostMessageCode, SignalEventCode]))
            throw new InvalidOperationException("The catalog's nested set is no longer {0x5C, 0x5D}; update the switch strategy.");
        var routing = NestedRouting.Create(new RoutingConfiguration(HvArchitecture.X64, NestedRoot: true));
        if (!routing.IsNested(HvCallCode.PostMessage) || !routing.IsNested(HvCallCode.SignalEvent))
            throw new InvalidOperationException("A nested-root routing table must route PostMessage and SignalEvent nested.");
        return routing;
    }
}

/// <summary>
/// A hypercall instruction that does nothing and reports HV_STATUS_SUCCESS. Not inlinable, like the real
/// instruction (an unmanaged call into the hypercall page), so the register block is really built.
/// </summary>
public sealed class NoOpHypercallInstruction : IHypercallInstruction
{
    /// <inheritdoc/>
    public HvArchitecture Architecture => HvArchitecture.X64;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Execute(ref HypercallRegisters registers) => registers[HypercallRegisters.Result] = 0;
}

/// <summary>
/// A bench-local copy of <see cref="Hypercalls.Simple(HvCallCode, ulong, ulong, int)"/>: the same register
/// block, the same instruction call, only the routing decision replaced by <typeparamref name="TDecision"/>.
/// </summary>
/// <typeparam name="TDecision">The routing strategy (a struct, so the JIT specialises the issuer).</typeparam>
/// <param name="instruction">What executes the hypercall instruction.</param>
/// <param name="decision">The routing decision.</param>
public sealed class MirrorIssuer<TDecision>(IHypercallInstruction instruction, TDecision decision)
    where TDecision : struct, IRoutingDecision
{
    private readonly IHypercallInstruction _instruction = instruction;
    private readonly TDecision _decision = decision;
    private readonly ulong _functionId = instruction.Architecture == HvArchitecture.Arm64 ? Hypercalls.Arm64FunctionId : 0;

    /// <summary>The control word: the code plus the strategy's nested bit (as <see cref="Hypercalls.ControlFor"/>).</summary>
    /// <param name="code">The call code.</param>
    /// <param name="callSiteIsVmbus">Static fact of the call site.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HypercallControl ControlFor(HvCallCode code, bool callSiteIsVmbus) =>
        new(code.Value | _decision.FlagFor(code, callSiteIsVmbus));

    /// <summary>A simple memory call, exactly as <see cref="Hypercalls.Simple(HvCallCode, ulong, ulong, int)"/>.</summary>
    /// <param name="code">The call code.</param>
    /// <param name="inputGpa">GPA of the input.</param>
    /// <param name="outputGpa">GPA of the output.</param>
    /// <param name="callSiteIsVmbus">Static fact of the call site (read by the call-site ternary only).</param>
    /// <param name="variableHeaderSize">Variable header size in qwords.</param>
    /// <remarks>No inlining attribute, like the real one: the JIT decides alike for both (it inlines them into the
    /// benchmark loops at Tier1, checked with DOTNET_JitDisasm).</remarks>
    public HypercallResult Simple(HvCallCode code, ulong inputGpa, ulong outputGpa, bool callSiteIsVmbus, int variableHeaderSize = 0)
    {
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Result] = _functionId;
        registers[HypercallRegisters.Control] = ControlFor(code, callSiteIsVmbus).Value | VariableHeader(variableHeaderSize);
        registers[HypercallRegisters.Input] = inputGpa;
        registers[HypercallRegisters.Output] = outputGpa;
        _instruction.Execute(ref registers);
        return new HypercallResult(registers[HypercallRegisters.Result]);
    }

    private static ulong VariableHeader(int size) =>
        size == 0 ? 0 : default(HypercallControl).WithVariableHeaderSize(size).Value;
}
