using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// A guest partition that posts and signals to ports owned by a root partition "host": a message port on
/// host VP 1 SINT 2 (vector 0x50) reached through connection 0x2001, and an event port on host VP 1 SINT 3
/// (vector 0x51, flags 8–11) reached through connection 0x2002. Both SINTs enabled and unmasked.
/// </summary>
internal sealed class PortRig
{
    public const uint MessagePortId = 0x10;
    public const uint EventPortId = 0x20;
    public const uint MessageConnection = 0x2001;
    public const uint EventConnection = 0x2002;
    public const int MessageSint = 2;
    public const int EventSint = 3;
    public const byte MessageVector = 0x50;
    public const byte EventVector = 0x51;
    public const ushort BaseFlag = 8;
    public const ushort FlagCount = 4;

    public PortRig(HvArchitecture arch, int guestVps = 2)
    {
        Machine = TestMachine.Create(arch, vpCount: guestVps);
        Host = Machine.AddPartition("host", PartitionConfiguration.RootDefault, vpCount: 2, isRoot: true);
        Target = Host.VirtualProcessors[1];
        TestMachine.EnableSynic(Target, MessageSint, MessageVector);
        TestMachine.WriteSynic(Target, Msr.Sint(EventSint), RegName.Sint(EventSint), EventVector);
        Assert.Equal(HvStatus.Success, Hv.CreatePort(Host, MessagePortId, PortType.Message, 1, MessageSint));
        Assert.Equal(HvStatus.Success, Hv.CreatePort(Host, EventPortId, PortType.Event, 1, EventSint, BaseFlag, FlagCount));
        Assert.Equal(HvStatus.Success, Hv.ConnectPort(Guest, MessageConnection, Host, MessagePortId));
        Assert.Equal(HvStatus.Success, Hv.ConnectPort(Guest, EventConnection, Host, EventPortId));
        InterruptsBefore = Target.InterruptCount;
    }

    public TestMachine Machine { get; }
    public HvHypervisor Hv => Machine.Hv;
    public Partition Guest => Machine.Guest;
    public VirtualProcessor Sender => Machine.Vp;
    public Partition Host { get; }
    public VirtualProcessor Target { get; }
    public int InterruptsBefore { get; }

    /// <summary>HvCallPostMessage from the sender VP (slow: memory input only).</summary>
    public Outcome Post(byte[] input, VirtualProcessor? from = null) =>
        Cpu.Issue(from ?? Sender, Words.Control(Code.PostMessage), fast: false, input, 0);

    public Outcome Post(uint connection, uint type, byte[] payload, VirtualProcessor? from = null) =>
        Post(Inputs.PostMessage(connection, type, payload), from);

    /// <summary>HvCallSignalEvent from the sender VP, fast (RDX / X2) or slow (8 bytes in memory).</summary>
    public Outcome Signal(ulong input, bool fast) =>
        Cpu.Issue(Sender, Words.Control(Code.SignalEvent), fast, Inputs.Qword(input), 0);
}
