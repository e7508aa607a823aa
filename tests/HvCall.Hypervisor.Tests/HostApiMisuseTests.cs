using System;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests;

/// <summary>
/// design.md "Errors": misuse of the host-side .NET API by its programmer is an exception, not a status (a second root
/// partition, a VP of another hypervisor, a partition outside 1–64 VPs, machine-model.md), while what a guest could send
/// stays a status.
/// </summary>
public sealed class HostApiMisuseTests
{
    [Fact]
    public void A_second_root_partition_is_refused()
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        m.AddPartition("root", PartitionConfiguration.RootDefault, isRoot: true);
        Assert.Throws<InvalidOperationException>(() => m.AddPartition("root2", PartitionConfiguration.RootDefault, isRoot: true));
        Assert.Equal(["guest", "root"], System.Linq.Enumerable.Select(m.Hv.Partitions, p => p.Name));
    }

    [Fact]
    public void A_vp_of_another_hypervisor_cannot_trap_here()
    {
        var a = TestMachine.Create(HvArchitecture.X64);
        var b = TestMachine.Create(HvArchitecture.X64);
        Assert.Throws<ArgumentException>(() => a.Hv.ExecuteHypercall(b.Vp));
        Assert.Throws<ArgumentNullException>(() => a.Hv.ExecuteHypercall(null!));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void A_partition_has_1_to_64_vps(int vps)
    {
        var hv = new HvHypervisor("L0");
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            hv.CreatePartition(new PartitionConfiguration("p", HvArchitecture.X64, vps, TestMachine.MemorySize, PartitionConfiguration.GuestDefault)));
        Assert.Empty(hv.Partitions);
    }

    private sealed class NullSink : IHostPortSink
    {
        public void OnMessage(Port port) { }
        public void OnEvent(Port port, ushort flagNumber) { }
    }

    [Fact]
    public void Host_ports_take_only_message_and_event_types_and_24_bit_ids()
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        Assert.Equal(HvStatus.InvalidParameter, m.Hv.CreateHostPort(m.Guest, 1, PortType.Monitor, new NullSink()));
        Assert.Equal(HvStatus.InvalidParameter, m.Hv.CreateHostPort(m.Guest, 1, PortType.Doorbell, new NullSink()));
        Assert.Equal(HvStatus.InvalidPortId, m.Hv.CreateHostPort(m.Guest, 0x0100_0001, PortType.Message, new NullSink()));
        Assert.Equal(HvStatus.Success, m.Hv.CreateHostPort(m.Guest, 1, PortType.Message, new NullSink()));
        Assert.Equal(HvStatus.InvalidPortId, m.Hv.CreateHostPort(m.Guest, 1, PortType.Event, new NullSink()));
    }
}
