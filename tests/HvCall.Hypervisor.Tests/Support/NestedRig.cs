using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// The nested shape (facts §1 bit 31, §7 nested SynIC MSRs, §9): L0 runs "l1-vm", which runs L1, whose root partition
/// shares l1-vm's memory, next to an L1 guest. L0 has a message port (SINT 2) and an event port (SINT 3, 16 flags) on
/// l1-vm VP 1, reached by l1-vm under <see cref="Conn"/> and <see cref="EventConn"/>.
/// </summary>
internal sealed class NestedRig
{
    public const uint Conn = 0x2001;
    public const uint EventConn = 0x2002;

    /// <param name="l0Profile">L0's host profile, or null for Hyper-V.</param>
    /// <param name="l1VmPrivileges">The privileges L0 grants the L1 VM.</param>
    public NestedRig(HostProfile? l0Profile = null, HvPartitionPrivileges l1VmPrivileges = PartitionConfiguration.GuestDefault)
    {
        L0 = new HvHypervisor("L0");
        if (l0Profile is not null)
            L0.Profile = l0Profile;
        L1Vm = L0.CreatePartition(new PartitionConfiguration("l1-vm", HvArchitecture.X64, 2, TestMachine.MemorySize, l1VmPrivileges) { GuestOsId = TestMachine.GuestOsIdValue });
        L1 = new HvHypervisor("L1", L1Vm);
        Root = L1.CreatePartition(new PartitionConfiguration("root", HvArchitecture.X64, 2, TestMachine.MemorySize, PartitionConfiguration.RootDefault)
        { IsRoot = true, SharedMemory = L1Vm.Memory, GuestOsId = TestMachine.GuestOsIdValue });
        L1Guest = L1.CreatePartition(new PartitionConfiguration("guest", HvArchitecture.X64, 1, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = TestMachine.GuestOsIdValue });
        Assert.Equal(HvStatus.Success, L0.CreatePort(L1Vm, 0x10, PortType.Message, 1, 2));
        Assert.Equal(HvStatus.Success, L0.ConnectPort(L1Vm, Conn, L1Vm, 0x10));
        Assert.Equal(HvStatus.Success, L0.CreatePort(L1Vm, 0x20, PortType.Event, 1, 3, 0, 16));
        Assert.Equal(HvStatus.Success, L0.ConnectPort(L1Vm, EventConn, L1Vm, 0x20));
    }

    public HvHypervisor L0 { get; }
    public Partition L1Vm { get; }
    public HvHypervisor L1 { get; }
    public Partition Root { get; }
    public Partition L1Guest { get; }
    public VirtualProcessor RootVp1 => Root.VirtualProcessors[1];
    public VirtualProcessor L1VmVp1 => L1Vm.VirtualProcessors[1];

    /// <summary>The root enables l1-vm VP 1's SynIC in L0 through the nested MSRs, pages in its own (shared) memory.</summary>
    public void EnableL0Synic()
    {
        var vp = RootVp1;
        Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSimp, TestMachine.SimpPage(vp) | 1));
        Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSiefp, TestMachine.SiefpPage(vp) | 1));
        Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSint(2), 0x50));
        Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSint(3), 0x51));
        Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedScontrol, 1));
    }
}
