using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Profiles;
using HvCall.Hypervisor.Tests.Support;
using Xunit;
using static HvCall.Hypervisor.Tests.Profiles.ProfileNames;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// L1 (a Microsoft hypervisor) hands its root's nested-bit calls to L0 with bit 31; L0's profile decides
/// (host-implementations.md §3): Hyper-V clears it and dispatches; KVM keeps it inside its reserved mask
/// (INVALID_HYPERCALL_INPUT, 0x3); KVM with the nested-VMBus relay clears it for 0x5C and 0x5D only; OpenVMM and
/// QEMU never read it.
/// </summary>
public sealed class ForwardedNestedBitTests
{
    private const uint Conn = 0x2001;
    private const uint EventConn = 0x2002;

    private sealed class Nested
    {
        public Nested(string l0Profile, HvPartitionPrivileges l1VmPrivileges = PartitionConfiguration.GuestDefault, bool enforceCpuid = false)
        {
            var profile = HostProfiles.Get(l0Profile);
            L0 = new HvHypervisor("L0") { Profile = enforceCpuid ? profile with { EnforceCpuid = true } : profile };
            L1Vm = L0.CreatePartition(new PartitionConfiguration("l1-vm", HvArchitecture.X64, 2, TestMachine.MemorySize, l1VmPrivileges) { GuestOsId = TestMachine.GuestOsIdValue });
            L1 = new HvHypervisor("L1", L1Vm);
            Root = L1.CreatePartition(new PartitionConfiguration("root", HvArchitecture.X64, 2, TestMachine.MemorySize, PartitionConfiguration.RootDefault)
            { IsRoot = true, SharedMemory = L1Vm.Memory, GuestOsId = TestMachine.GuestOsIdValue });
            L1Guest = L1.CreatePartition(new PartitionConfiguration("guest", HvArchitecture.X64, 1, TestMachine.MemorySize, PartitionConfiguration.GuestDefault) { GuestOsId = TestMachine.GuestOsIdValue });
            Assert.Equal(HvStatus.Success, L0.CreatePort(L1Vm, 0x10, PortType.Message, 1, 2));
            Assert.Equal(HvStatus.Success, L0.ConnectPort(L1Vm, Conn, L1Vm, 0x10));
            Assert.Equal(HvStatus.Success, L0.CreatePort(L1Vm, 0x20, PortType.Event, 1, 3, 0, 16));
            Assert.Equal(HvStatus.Success, L0.ConnectPort(L1Vm, EventConn, L1Vm, 0x20));
            var vp = RootVp1;
            Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSimp, TestMachine.SimpPage(vp) | 1));
            Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSiefp, TestMachine.SiefpPage(vp) | 1));
            Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSint(2), 0x50));
            Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedSint(3), 0x51));
            Assert.Equal(VpFault.None, L1.WriteMsr(vp, Msr.NestedScontrol, 1));
        }

        public HvHypervisor L0 { get; }
        public Partition L1Vm { get; }
        public HvHypervisor L1 { get; }
        public Partition Root { get; }
        public Partition L1Guest { get; }
        public VirtualProcessor RootVp1 => Root.VirtualProcessors[1];
        public VirtualProcessor L1VmVp1 => L1Vm.VirtualProcessors[1];

        public Outcome Post(bool nested = true, VirtualProcessor? from = null) =>
            Cpu.Issue(from ?? RootVp1, Words.Control(Code.PostMessage, nested: nested), false, Inputs.PostMessage(Conn, 1, [0xAB, 0xCD]), 0);

        public Outcome Signal(bool fast) =>
            Cpu.Issue(RootVp1, Words.Control(Code.SignalEvent, nested: true), fast, Inputs.Qword(Inputs.SignalEvent(EventConn, 0)), 0);
    }

    [Theory] // PostMessage with bit 31 from the nested root, as Linux's nested root sends VMBus messages.
    [InlineData(Hyperv, St.Success)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.Success)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.Success)]
    public void Nested_post_message_reaches_L0_whose_profile_decides(string l0, ushort expected)
    {
        var n = new Nested(l0);
        var outcome = n.Post();
        Assert.Equal((expected, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        var delivered = expected == St.Success;
        Assert.Equal(delivered ? 1u : 0u, BinaryPrimitives.ReadUInt32LittleEndian(TestMachine.Slot(n.RootVp1, 2)));
        Assert.Equal(delivered ? 1 : 0, n.L1VmVp1.InterruptsFor(2));
    }

    [Theory] // SignalEvent with bit 31, fast (as Linux's vmbus_set_event) and slow.
    [InlineData(Hyperv, true, St.Success)]
    [InlineData(Hyperv, false, St.Success)]
    [InlineData(Kvm, true, St.InvalidHypercallInput)]
    [InlineData(Kvm, false, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, true, St.Success)]
    [InlineData(KvmRelay, false, St.Success)]
    [InlineData(OpenVmm, true, St.Success)]
    public void Nested_signal_event_reaches_L0_whose_profile_decides(string l0, bool fast, ushort expected)
    {
        var n = new Nested(l0);
        var outcome = n.Signal(fast);
        Assert.Equal((expected, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        Assert.Equal(expected == St.Success, TestMachine.EventFlag(n.RootVp1, 3, 0));
    }

    [Theory] // Any other nested code: the relay covers 0x5C and 0x5D only, so KVM's mask refuses it; Hyper-V dispatches it.
    [InlineData(Hyperv, St.Success)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.InvalidHypercallInput)]
    public void Nested_spin_wait_is_relayed_by_nobody_but_hyperv(string l0, ushort expected)
    {
        var n = new Nested(l0);
        var outcome = Cpu.Issue(n.RootVp1, Words.Control(Code.NotifyLongSpinWait, nested: true), true, new byte[8], 0);
        Assert.Equal((expected, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        Assert.Equal(expected == St.Success ? 1 : 0, n.L0.Record.LongSpinWaits);
        Assert.Equal(0, n.L1.Record.LongSpinWaits);
    }

    [Theory] // KVM with ENFORCE_CPUID checks l1-vm's privileges before its mask: ACCESS_DENIED first, then (with it) the relay.
    [InlineData(Kvm, St.AccessDenied)]
    [InlineData(KvmRelay, St.AccessDenied)]
    public void Kvm_checks_the_l1_vm_privilege_before_the_nested_bit(string l0, ushort expected)
    {
        var n = new Nested(l0, PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages, enforceCpuid: true);
        Assert.Equal((expected, "L0"), (n.Post().Status, n.Post().Exit.HandledBy));
        Assert.Equal(St.Success, new Nested(KvmRelay, enforceCpuid: true).Post().Status);
    }

    [Theory] // L1 answers what it answers whatever L0 is: the nested bit from a non-root L1 partition is INVALID_HYPERCALL_INPUT
             // at L1, and the same post without the bit is L1's (no such connection there).
    [InlineData(Hyperv)]
    [InlineData(Kvm)]
    [InlineData(KvmRelay)]
    [InlineData(OpenVmm)]
    public void L1_stays_a_microsoft_hypervisor(string l0)
    {
        var n = new Nested(l0);
        var guest = n.Post(from: n.L1Guest.VirtualProcessors[0]);
        Assert.Equal((St.InvalidHypercallInput, "L1"), (guest.Status, guest.Exit.HandledBy));
        var plain = n.Post(nested: false);
        Assert.Equal((St.InvalidConnectionId, "L1"), (plain.Status, plain.Exit.HandledBy));
        Assert.Same(HostProfiles.Hyperv, n.L1.Profile);
    }

    [Fact] // The relay clears the bit only in L0: a relayed call's control word the root sees is the one it issued.
    public void The_root_keeps_its_control_word()
    {
        var n = new Nested(KvmRelay);
        var outcome = n.Post();
        Assert.Equal(St.Success, outcome.Status);
        Assert.Equal(Words.Control(Code.PostMessage, nested: true), n.RootVp1.X64.Rcx);
    }
}
