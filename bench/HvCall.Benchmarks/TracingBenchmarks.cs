using System.IO;
using BenchmarkDotNet.Attributes;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest;
using HvCall.Hypervisor.Ports;
using HvCall.Simulation.Machines;
using HvCall.Tracing;
using HvCall.Tracing.Kvm;
using HvCall.Tracing.Perfetto;

namespace HvCall.Benchmarks;

/// <summary>
/// What listening to the event stream costs per simulated round trip: the nested root's HvCallPostMessage to an L0
/// host port (issued, forwarded, completed: 3 events) with no sink, with the KVM-format writer and with the Perfetto
/// writer, both writing to <see cref="Stream.Null"/>. Allocation per call must stay 0 B with either listening.
/// </summary>
[MemoryDiagnoser]
public class TracingBenchmarks
{
    private const uint MessageConnection = 4;
    private readonly byte[] _payload = new byte[40];
    private readonly byte[] _message = new byte[HvMessage.Size];
    private Hypercalls _off = null!;
    private Hypercalls _kvm = null!;
    private Hypercalls _perfetto = null!;

    [GlobalSetup]
    public void Setup()
    {
        _off = Build(null);
        _kvm = Build(stream => new KvmTraceWriter(Stream.Null, stream));
        _perfetto = Build(stream => new PerfettoWriter(Stream.Null, stream));
    }

    [Benchmark(Baseline = true)]
    public HypercallResult PostMessageNestedNoSink() => _off.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload);

    [Benchmark]
    public HypercallResult PostMessageNestedKvmWriter() => _kvm.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload);

    [Benchmark]
    public HypercallResult PostMessageNestedPerfettoWriter() => _perfetto.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload);

    private Hypercalls Build(System.Func<TraceStream, ITraceSink>? sink)
    {
        var machine = Machine.Build(new MachineOptions { Topology = Topology.Nested, L2Guests = 0, Trace = false });
        var host = new Draining(_message);
        Require(machine.L0.CreateHostPort(machine.Host, 1, PortType.Message, host));
        Require(machine.L0.ConnectPort(machine.VmBusPartition, MessageConnection, machine.Host, 1));
        machine.Guest.GuestOsId = GuestLayout.LinuxGuestOsId;
        if (sink is not null)
            machine.Events.Attach(sink(machine.Events));
        var vp = machine.GuestVps[0].Hypercalls;
        var hypercalls = new Hypercalls(new SimulatedProcessor(machine.Guest.VirtualProcessors[0]), vp.Routing, vp.Pages);
        Require(hypercalls.PostMessage(new HvConnectionId(MessageConnection), HvMessageType.VmBus, _payload).Status);
        return hypercalls;
    }

    private static void Require(HvStatus status)
    {
        if (status != HvStatus.Success)
            throw new System.InvalidOperationException($"Benchmark setup failed: {HvStatusNames.TlfsName(status)}.");
    }

    private sealed class Draining(byte[] message) : IHostPortSink
    {
        public void OnMessage(Port port) => port.TryReceive(message);

        public void OnEvent(Port port, ushort flagNumber)
        {
        }
    }
}
