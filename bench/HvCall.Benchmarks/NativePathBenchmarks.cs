using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;
using HvCall.Simulation.Machines;

namespace HvCall.Benchmarks;

/// <summary>
/// The managed side of the C hypercall-page loop (bench/native/page_bench.c): the same calls on the same machines
/// (trace off), issued by the managed issuing functions on a <see cref="SimulatedProcessor"/>. HvCallGetPartitionId
/// with an output page (flat: L0; nested root: L1) and a fast HvCallSignalEvent on an unconnected id (flat: L0
/// answers INVALID_CONNECTION_ID; nested: the table adds bit 31, L1 forwards, L0 answers).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NativePathBenchmarks
{
    private Hypercalls _flat = null!;
    private Hypercalls _nested = null!;

    [GlobalSetup]
    public void Setup()
    {
        _flat = Build(Topology.Flat);
        _nested = Build(Topology.Nested);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("GetPartitionId")]
    public HypercallResult GetPartitionIdFlat() => _flat.Simple(HvCallCode.GetPartitionId);

    [Benchmark, BenchmarkCategory("GetPartitionId")]
    public HypercallResult GetPartitionIdNested() => _nested.Simple(HvCallCode.GetPartitionId);

    [Benchmark(Baseline = true), BenchmarkCategory("SignalEvent unconnected")]
    public HypercallResult SignalEventFlat() => _flat.SignalEvent(new HvConnectionId(0x2001));

    [Benchmark, BenchmarkCategory("SignalEvent unconnected")]
    public HypercallResult SignalEventNested() => _nested.SignalEvent(new HvConnectionId(0x2001));

    private static Hypercalls Build(Topology topology)
    {
        var machine = Machine.Build(new MachineOptions { Topology = topology, L2Guests = 0, Trace = false });
        machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        return machine.GuestVps[0].Hypercalls;
    }
}
