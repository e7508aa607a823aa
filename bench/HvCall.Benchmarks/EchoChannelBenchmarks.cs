using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace HvCall.Benchmarks;

/// <summary>
/// VMBus data path, guest → host one way, per packet: 64- and 1024-byte in-band packets through a 16-page ring on
/// the flat and the nested machine, and from an L2 guest to the nested root serving it (<see cref="EchoChannelPair"/>).
/// Each invocation is a burst of <see cref="Packets"/> packets; the mean is per packet. Ratio = x / flat per packet size.
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
    private EchoChannelPair _rootToL2 = null!;

    [Params(64, 1024)]
    public int PacketSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _flat = new EchoChannelPair(EchoPath.Flat, PacketSize);
        _nested = new EchoChannelPair(EchoPath.Nested, PacketSize);
        _rootToL2 = new EchoChannelPair(EchoPath.RootToL2, PacketSize);
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

    [Benchmark(OperationsPerInvoke = Packets), BenchmarkCategory("guest to host")]
    public long L2GuestToRoot()
    {
        _rootToL2.Burst(Packets);
        return _rootToL2.Received;
    }
}
