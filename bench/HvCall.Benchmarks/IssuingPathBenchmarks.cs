using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;

namespace HvCall.Benchmarks;

/// <summary>
/// The whole issuing path of a simple memory hypercall on an x64 nested root, with a no-op instruction:
/// the real <see cref="Hypercalls.Simple(HvCallCode, ulong, ulong, int)"/> (bitmap) and a bench-local mirror
/// of it (<see cref="MirrorIssuer{TDecision}"/>) with each strategy, over the same mixes (times per call).
/// Also the real SignalEvent (fast, 8 bytes) and PostMessage (256 bytes written to the input page).
/// </summary>
[MemoryDiagnoser]
public class IssuingPathBenchmarks
{
    private readonly byte[] _payload = new byte[PostMessageInput.MaxPayloadSize];
    private Hypercalls _hypercalls = null!;
    private MirrorIssuer<BitmapDecision> _mirrorBitmap = null!;
    private MirrorIssuer<SwitchDecision> _mirrorSwitch = null!;
    private MirrorIssuer<CallSiteTernaryDecision> _mirrorTernary = null!;
    private MirrorIssuer<NoDecision> _mirrorNone = null!;
    private ulong _inputGpa;
    private ulong _outputGpa;

    /// <summary>The three mixes, as benchmark arguments.</summary>
    public static IEnumerable<CodeMix> Mixes() =>
        [CodeMix.Create(MixKind.AllPostMessage), CodeMix.Create(MixKind.Uniform), CodeMix.Create(MixKind.NinetyPercentNonNested)];

    [GlobalSetup]
    public void Setup()
    {
        var instruction = new NoOpHypercallInstruction();
        var routing = RoutingStrategies.NestedRootRouting();
        _hypercalls = new Hypercalls(instruction, routing, HypercallPages.CreateManaged(RoutingStrategies.InputGpa));
        _inputGpa = _hypercalls.Pages.Input.Gpa;
        _outputGpa = _hypercalls.Pages.Output.Gpa;
        _mirrorBitmap = new(instruction, new BitmapDecision(routing));
        _mirrorSwitch = new(instruction, new SwitchDecision(nested: true));
        _mirrorTernary = new(instruction, new CallSiteTernaryDecision(nested: true));
        _mirrorNone = new(instruction, default(NoDecision));
        for (var i = 0; i < _payload.Length; i++)
            _payload[i] = (byte)i;
    }

    /// <summary>HvCall as shipped: <see cref="Hypercalls.Simple(HvCallCode, ulong, ulong, int)"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = CodeMix.Length)]
    [ArgumentsSource(nameof(Mixes))]
    public ulong RealBitmap(CodeMix mix)
    {
        var hypercalls = _hypercalls;
        var codes = mix.Codes;
        ulong sum = 0;
        for (var i = 0; i < codes.Length; i++)
            sum += hypercalls.Simple(codes[i], _inputGpa, _outputGpa).Value;
        return sum;
    }

    /// <summary>The mirror with the bitmap (same decision as <see cref="RealBitmap"/>).</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    [ArgumentsSource(nameof(Mixes))]
    public ulong MirrorBitmap(CodeMix mix) => Issue(_mirrorBitmap, mix);

    /// <summary>The mirror with the nested test plus switch.</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    [ArgumentsSource(nameof(Mixes))]
    public ulong MirrorSwitch(CodeMix mix) => Issue(_mirrorSwitch, mix);

    /// <summary>The mirror with the Linux call-site ternary.</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    [ArgumentsSource(nameof(Mixes))]
    public ulong MirrorTernary(CodeMix mix) => Issue(_mirrorTernary, mix);

    /// <summary>The mirror with no routing (the floor).</summary>
    [Benchmark(OperationsPerInvoke = CodeMix.Length)]
    [ArgumentsSource(nameof(Mixes))]
    public ulong MirrorNone(CodeMix mix) => Issue(_mirrorNone, mix);

    /// <summary>The real HvCallSignalEvent (fast, 8-byte input), one call.</summary>
    [Benchmark]
    public HypercallResult SignalEvent() => _hypercalls.SignalEvent(new HvConnectionId(0x10), flagNumber: 3);

    /// <summary>The real HvCallPostMessage with a 240-byte payload (256 bytes written), one call.</summary>
    [Benchmark]
    public HypercallResult PostMessage() => _hypercalls.PostMessage(new HvConnectionId(0x4), messageType: 1, _payload);

    private ulong Issue<TDecision>(MirrorIssuer<TDecision> issuer, CodeMix mix)
        where TDecision : struct, IRoutingDecision
    {
        var codes = mix.Codes;
        var vmbus = mix.VmbusCallSite;
        ulong sum = 0;
        for (var i = 0; i < codes.Length && i < vmbus.Length; i++)
            sum += issuer.Simple(codes[i], _inputGpa, _outputGpa, vmbus[i]).Value;
        return sum;
    }
}
