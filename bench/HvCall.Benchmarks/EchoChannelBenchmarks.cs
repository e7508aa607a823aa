using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HvCall.Simulation.Machines;

namespace HvCall.Benchmarks;

/// <summary>
/// VMBus data path, guest → host one way, per packet: 64- and 1024-byte in-band packets through a 16-page ring on
/// the flat and the nested machine (<see cref="EchoChannelPair"/>). Each invocation is a burst of
/// <see cref="Packets"/> packets; the mean is per packet. Ratio = nested / flat per packet size.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class EchoChannelBenchmarks
{
    /// <summary>Packets per invocation (the mean is divided by it).</summary>
    public const int Packets = 65_536;

    private EchoChannelPair _flat = null!;
    private EchoChannelPair _nested = null!;

    [Params(64, 1024)]
    public int PacketSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _flat = new EchoChannelPair(Topology.Flat, PacketSize);
        _nested = new EchoChannelPair(Topology.Nested, PacketSize);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets), BenchmarkCategory("guest to host")]
    public long Flat()
    {
        _flat.Burst(Packets);
        return _flat.Received;
    }

    [Benchmark(OperationsPerInvoke = Packets), BenchmarkCategory("guest to host")]
    public long Nested()
    {
        _nested.Burst(Packets);
        return _nested.Received;
    }
}
