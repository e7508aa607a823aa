using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;

namespace HvCall.Benchmarks;

/// <summary>
/// Simulated round trips from guest issue to handler and back: fast HvCallSignalEvent and slow
/// HvCallPostMessage (256-byte input copied out of guest memory), on the flat machine (guest on L0)
/// and the nested one (the root's call carries the nested bit, L1 forwards it to L0); and beside them the
/// nested root's path to its own L2 guest: HvCallSignalEventDirect and HvCallPostMessageDirect (slow, 16 and
/// 280 bytes of input), handled by L1 without the nested bit. The host end of the first two is a port sink
/// that takes every message at once, so every call succeeds and buffers never run out; the L2 guest frees its
/// message slot after each direct message (one 4-byte store), so every call delivers.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SimulatedRoundTripBenchmarks
{
    private const uint MessageConnection = 4;
    private const uint EventConnection = 0x2001;

    private readonly byte[] _payload = new byte[40];
    private Hypercalls _flat = null!;
    private Hypercalls _nested = null!;
    private RootToGuest _rootToGuest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _flat = Build(Topology.Flat);
        _nested = Build(Topology.Nested);
        _rootToGuest = new RootToGuest();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SignalEvent (fast)")]
    public HypercallResult SignalEventFlat() => _flat.SignalEvent(new HvConnectionId(EventConnection));

    [Benchmark, BenchmarkCategory("SignalEvent (fast)")]
    public HypercallResult SignalEventNested() => _nested.SignalEvent(new HvConnectionId(EventConnection));

    [Benchmark, BenchmarkCategory("SignalEvent (fast)")]
    public HypercallResult SignalEventDirectRootToL2() => _rootToGuest.Signal();

    [Benchmark(Baseline = true), BenchmarkCategory("PostMessage (slow)")]
    public HypercallResult PostMessageFlat() => _flat.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload);

    [Benchmark, BenchmarkCategory("PostMessage (slow)")]
    public HypercallResult PostMessageNested() => _nested.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload);

    [Benchmark, BenchmarkCategory("PostMessage (slow)")]
    public HypercallResult PostMessageDirectRootToL2() => _rootToGuest.Post(_payload);

    // A machine whose L0 host serves one message and one event connection of the partition VMBus faces;
    // the guest VP's issuer is rebuilt without a trace, as a guest that records nothing would run.
    private static Hypercalls Build(Topology topology)
    {
        var machine = Machine.Build(new MachineOptions { Topology = topology, L2Guests = 0, Trace = false });
        var sink = new DrainingSink();
        Require(machine.L0.CreateHostPort(machine.Host, 1, PortType.Message, sink));
        Require(machine.L0.ConnectPort(machine.VmBusPartition, MessageConnection, machine.Host, 1));
        Require(machine.L0.CreateHostPort(machine.Host, 2, PortType.Event, sink));
        Require(machine.L0.ConnectPort(machine.VmBusPartition, EventConnection, machine.Host, 2));
        machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        var traced = machine.GuestVps[0].Hypercalls;
        var hypercalls = new Hypercalls(new SimulatedProcessor(machine.Guest.VirtualProcessors[0]), traced.Routing, traced.Pages);
        Require(hypercalls.SignalEvent(new HvConnectionId(EventConnection)).Status);
        return hypercalls;
    }

    private static void Require(HvStatus status)
    {
        if (status != HvStatus.Success)
            throw new System.InvalidOperationException($"Benchmark setup failed: {HvStatusNames.TlfsName(status)}.");
    }

    private sealed class DrainingSink : IHostPortSink
    {
        private readonly byte[] _message = new byte[HvMessage.Size];

        public void OnMessage(Port port) => port.TryReceive(_message);

        public void OnEvent(Port port, ushort flagNumber)
        {
        }
    }
}
