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
    // The nested shape with L0 answering as the named host (with KVM's CPUID enforcement when asked).
    private static NestedRig Rig(string l0Profile, HvPartitionPrivileges l1VmPrivileges = PartitionConfiguration.GuestDefault, bool enforceCpuid = false)
    {
        var profile = HostProfiles.Get(l0Profile);
        var rig = new NestedRig(enforceCpuid ? profile with { EnforceCpuid = true } : profile, l1VmPrivileges);
        rig.EnableL0Synic();
        return rig;
    }

    private static Outcome Post(NestedRig n, bool nested = true, VirtualProcessor? from = null) =>
        Cpu.Issue(from ?? n.RootVp1, Words.Control(Code.PostMessage, nested: nested), false, Inputs.PostMessage(NestedRig.Conn, 1, [0xAB, 0xCD]), 0);

    private static Outcome Signal(NestedRig n, bool fast) =>
        Cpu.Issue(n.RootVp1, Words.Control(Code.SignalEvent, nested: true), fast, Inputs.Qword(Inputs.SignalEvent(NestedRig.EventConn, 0)), 0);

    [Theory] // PostMessage with bit 31 from the nested root, as Linux's nested root sends VMBus messages.
    [InlineData(Hyperv, St.Success)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.Success)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.Success)]
    public void Nested_post_message_reaches_L0_whose_profile_decides(string l0, ushort expected)
    {
        var n = Rig(l0);
        var outcome = Post(n);
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
        var n = Rig(l0);
        var outcome = Signal(n, fast);
        Assert.Equal((expected, "L0"), (outcome.Status, outcome.Exit.HandledBy));
        Assert.Equal(expected == St.Success, TestMachine.EventFlag(n.RootVp1, 3, 0));
    }

    [Theory] // Any other nested code: the relay covers 0x5C and 0x5D only, so KVM's mask refuses it; Hyper-V dispatches it.
    [InlineData(Hyperv, St.Success)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.InvalidHypercallInput)]
    public void Nested_spin_wait_is_relayed_by_nobody_but_hyperv(string l0, ushort expected)
    {
        var n = Rig(l0);
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
        var n = Rig(l0, PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages, enforceCpuid: true);
        Assert.Equal((expected, "L0"), (Post(n).Status, Post(n).Exit.HandledBy));
        Assert.Equal(St.Success, Post(Rig(KvmRelay, enforceCpuid: true)).Status);
    }

    [Theory] // L1 answers what it answers whatever L0 is: the nested bit from a non-root L1 partition is INVALID_HYPERCALL_INPUT
             // at L1, and the same post without the bit is L1's (no such connection there).
    [InlineData(Hyperv)]
    [InlineData(Kvm)]
    [InlineData(KvmRelay)]
    [InlineData(OpenVmm)]
    public void L1_stays_a_microsoft_hypervisor(string l0)
    {
        var n = Rig(l0);
        var guest = Post(n, from: n.L1Guest.VirtualProcessors[0]);
        Assert.Equal((St.InvalidHypercallInput, "L1"), (guest.Status, guest.Exit.HandledBy));
        var plain = Post(n, nested: false);
        Assert.Equal((St.InvalidConnectionId, "L1"), (plain.Status, plain.Exit.HandledBy));
        Assert.Same(HostProfiles.Hyperv, n.L1.Profile);
    }

    [Fact] // The relay clears the bit only in L0: a relayed call's control word the root sees is the one it issued.
    public void The_root_keeps_its_control_word()
    {
        var n = Rig(KvmRelay);
        var outcome = Post(n);
        Assert.Equal(St.Success, outcome.Status);
        Assert.Equal(Words.Control(Code.PostMessage, nested: true), n.RootVp1.X64.Rcx);
    }
}
