using BenchmarkDotNet.Attributes;
using HvCall.Abi;
using HvCall.Guest.Routing;

namespace HvCall.Benchmarks;

/// <summary>
/// The routing decision alone, per strategy, over a 4096-operation mix on an x64 nested root (so the bitmap
/// has its PostMessage and SignalEvent bits set and <c>nested</c> is true). Each benchmark builds the control
/// word <c>code | flag</c> for every operation and sums them, so the loads and decisions cannot be removed;
/// NoRouting is the same loop without a decision (the floor). Reported times are per operation.
/// </summary>
[MemoryDiagnoser]
public class RoutingDecisionBenchmarks
{
    private HvCallCode[] _codes = [];
    private bool[] _vmbusCallSite = [];
    private NestedRouting _routing = NestedRouting.None;
    private bool _nested;

    /// <summary>The code mix.</summary>
    [ParamsAllValues]
    public MixKind Mix { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var mix = CodeMix.Create(Mix);
        _codes = mix.Codes;
        _vmbusCallSite = mix.VmbusCallSite;
        _routing = RoutingStrategies.NestedRootRouting();
        _nested = true;
    }

    /// <summary>HvCall: the real <see cref="NestedRouting.FlagFor"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = CodeMix.Length)]
    public ulong Bitmap()
    {
        var routing = _routing;
        var codes = _codes;
        ulong sum = 0;
        for (var i = 0; i < codes.Length; i++)
            sum += codes[i].Value | routing.FlagFor(codes[i]);
        return sum;
    }

    /// <summary>Alternative (a): nested test plus switch on the code.</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    public ulong NestedSwitch()
    {
        var nested = _nested;
        var codes = _codes;
        ulong sum = 0;
        for (var i = 0; i < codes.Length; i++)
            sum += codes[i].Value | RoutingStrategies.Switch(nested, codes[i]);
        return sum;
    }

    /// <summary>Alternative (b): Linux's call-site ternary, keyed on the static "VMBus call site" fact.</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    public ulong CallSiteTernary()
    {
        var nested = _nested;
        var codes = _codes;
        var vmbus = _vmbusCallSite;
        ulong sum = 0;
        for (var i = 0; i < codes.Length && i < vmbus.Length; i++)
            sum += codes[i].Value | RoutingStrategies.CallSiteTernary(vmbus[i], nested);
        return sum;
    }

    /// <summary>Alternative (c), the floor: the same loop with no routing.</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    public ulong NoRouting()
    {
        var codes = _codes;
        ulong sum = 0;
        for (var i = 0; i < codes.Length; i++)
            sum += codes[i].Value;
        return sum;
    }
}
