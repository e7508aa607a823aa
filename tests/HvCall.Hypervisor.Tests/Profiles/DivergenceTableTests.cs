using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;
using static HvCall.Hypervisor.Tests.Profiles.ProfileNames;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// host-implementations.md §1.9, row by row, through the dispatcher: one call per row and profile, the status the
/// sheet gives for that host. Columns: TLFS (hyperv), KVM (kvm, kvm-relay: its kernel, QEMU for what it hands to
/// userspace), QEMU (qemu) and OVMM (openvmm). "n/a" and "not checked" cells show as the call going on to the next
/// thing the host does look at (usually the connection: INVALID_CONNECTION_ID 0x12 for an unknown one).
/// </summary>
public sealed class DivergenceTableTests
{
    private const ulong ReservedBit27 = 1UL << 27;

    [Theory] // unknown code: 0x2 everywhere ("default:", "no handler").
    [MemberData(nameof(ProfileNames.WithArchitectures), MemberType = typeof(ProfileNames))]
    public void Unknown_code_is_invalid_hypercall_code_on_every_host(string profile, HvArchitecture arch)
    {
        var rig = new ProfileRig(profile, arch);
        Assert.Equal(St.InvalidHypercallCode, rig.Issue(0xBEEF, fast: true, new byte[8]).Status);
    }

    [Theory] // reserved control bit set: TLFS 0x3, KVM 0x3; QEMU n/a, OVMM not checked → the unknown connection.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidConnectionId)]
    [InlineData(OpenVmm, St.InvalidConnectionId)]
    public void Reserved_control_bit(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Signal(ProfileRig.UnknownConnection, extraControl: ReservedBit27).Status);
    }

    [Theory] // bit 31 from a caller no child hypervisor forwarded: Hyper-V 0x3 (no meaning), KVM 0x3 (inside its mask); QEMU, OVMM ignore it.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(KvmRelay, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.Success)]
    public void Nested_bit_on_a_flat_guest(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Signal(extraControl: Words.NestedBit).Status);
        Assert.Equal(expected == St.Success ? 1 : 0, rig.Sink.Events);
    }

    [Theory] // rep count on a simple call: TLFS 0x3, KVM 0x3 (SignalEvent: "rep or var_cnt → 0x3"), QEMU n/a, OVMM 0x3.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidConnectionId)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)]
    public void Rep_count_on_a_simple_call(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Signal(ProfileRig.UnknownConnection, extraControl: 1UL << 32).Status);
    }

    [Theory] // rep start ≥ rep count: 0x3 on each host that has the rep call (KVM: FlushVirtualAddressList; OVMM: GetVpRegisters).
    [InlineData(Hyperv, Code.FlushVirtualAddressList, St.InvalidHypercallInput)]
    [InlineData(Hyperv, Code.GetVpRegisters, St.InvalidHypercallInput)]
    [InlineData(Kvm, Code.FlushVirtualAddressList, St.InvalidHypercallInput)]
    [InlineData(OpenVmm, Code.GetVpRegisters, St.InvalidHypercallInput)]
    [InlineData(Kvm, Code.GetVpRegisters, St.InvalidHypercallCode)] // KVM has no HvCallGetVpRegisters
    [InlineData(OpenVmm, Code.FlushVirtualAddressList, St.InvalidHypercallCode)] // nor OpenVMM a flush
    public void Rep_start_at_rep_count(string profile, ushort code, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(code, repCount: 2, repStart: 2), false, new byte[64]).Status);
    }

    [Theory] // variable header on a non-variable call: TLFS 0x3, KVM 0x3, QEMU n/a, OVMM 0x3.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidConnectionId)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)]
    public void Variable_header_on_a_fixed_call(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Signal(ProfileRig.UnknownConnection, extraControl: 1UL << 17).Status);
    }

    [Theory] // misaligned GPA (2 bytes off): 0x4 everywhere (QEMU's PostMessage needs 4-byte alignment, KVM hands it to QEMU).
    [InlineData(Hyperv, 2, St.InvalidAlignment)]
    [InlineData(Kvm, 2, St.InvalidAlignment)]
    [InlineData(Qemu, 2, St.InvalidAlignment)]
    [InlineData(OpenVmm, 2, St.InvalidAlignment)]
    [InlineData(Hyperv, 4, St.InvalidAlignment)]
    [InlineData(Kvm, 4, St.Success)] // "GPA not aligned to struct alignment (4)": 4 bytes off is aligned for QEMU
    [InlineData(Qemu, 4, St.Success)]
    [InlineData(OpenVmm, 4, St.InvalidAlignment)]
    public void Misaligned_post_message_input(string profile, int offset, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.PostAt(offset).Status);
    }

    [Theory] // KVM's SignalEvent: "GPA not 8-aligned … → INVALID_ALIGNMENT"; its flushes read with kvm_read_guest, no alignment check.
    [InlineData(Kvm, Code.SignalEvent, St.InvalidAlignment)]
    [InlineData(Kvm, Code.FlushVirtualAddressSpace, St.Success)]
    [InlineData(Hyperv, Code.FlushVirtualAddressSpace, St.InvalidAlignment)]
    public void Kvm_alignment_is_per_code(string profile, ushort code, ushort expected)
    {
        var rig = new ProfileRig(profile);
        var input = code == Code.SignalEvent ? Inputs.Qword(Inputs.SignalEvent(ProfileRig.HostEventConnection, 0)) : new byte[24];
        Assert.Equal(expected, rig.IssueAt(Words.Control(code), TestMachine.InputPage(rig.Vp) + 4, input).Status);
    }

    [Theory] // list crosses a page: TLFS 0x4, OVMM 0x3 (Straddle), QEMU not checked (KVM hands PostMessage to QEMU).
    [InlineData(Hyperv, St.InvalidAlignment)]
    [InlineData(Kvm, St.Success)]
    [InlineData(Qemu, St.Success)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)]
    public void Post_message_input_crossing_a_page(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.PostAt(ProfileRig.StraddlingOffset).Status);
        Assert.Equal(expected == St.Success ? 1 : 0, rig.Sink.Messages);
    }

    [Theory] // GPA outside RAM: TLFS 0x4; KVM flush 0x3, SignalEvent 0x4, PostMessage → QEMU 0xB; QEMU 0xB; OVMM 0x3.
    [InlineData(Hyperv, Code.PostMessage, St.InvalidAlignment)]
    [InlineData(Kvm, Code.PostMessage, St.InsufficientMemory)]
    [InlineData(Kvm, Code.SignalEvent, St.InvalidAlignment)]
    [InlineData(Kvm, Code.FlushVirtualAddressSpace, St.InvalidHypercallInput)]
    [InlineData(Qemu, Code.PostMessage, St.InsufficientMemory)]
    [InlineData(OpenVmm, Code.PostMessage, St.InvalidHypercallInput)]
    public void Gpa_outside_guest_memory(string profile, ushort code, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.IssueAt(Words.Control(code), TestMachine.MemorySize + 0x1000, []).Status);
    }

    [Theory] // fast flag on a call without a fast form: KVM ext calls 0x5; QEMU PostMessage 0x2; OVMM: too big for registers 0x3.
    [InlineData(Hyperv, Code.PostMessage, St.InvalidHypercallInput)]
    [InlineData(Kvm, Code.PostMessage, St.InvalidHypercallCode)] // handed to QEMU
    [InlineData(Qemu, Code.PostMessage, St.InvalidHypercallCode)]
    [InlineData(OpenVmm, Code.PostMessage, St.InvalidHypercallInput)]
    [InlineData(Hyperv, Code.ExtQueryCapabilities, St.InvalidHypercallInput)]
    [InlineData(Kvm, Code.ExtQueryCapabilities, St.InvalidParameter)]
    [InlineData(Qemu, Code.ExtQueryCapabilities, St.InvalidHypercallCode)] // not one of QEMU's codes
    public void Fast_flag_without_a_fast_form(string profile, ushort code, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(code, fast: true), true, new byte[16]).Status);
    }

    [Theory] // input larger than the fast block (SetVpRegisters, 4 reps = 144 bytes > 112): TLFS (HvCall) 0x3, OVMM 0x3.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallCode)] // KVM has no HvCallSetVpRegisters
    public void Fast_input_larger_than_the_register_block(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(Code.SetVpRegisters, fast: true, repCount: 4), true, new byte[16]).Status);
    }

    [Theory] // missing privilege: TLFS 0x6; KVM 0x6 with ENFORCE_CPUID only; QEMU and OVMM check none.
    [InlineData(Hyperv, false, St.AccessDenied)]
    [InlineData(Kvm, false, St.Success)]
    [InlineData(Kvm, true, St.AccessDenied)]
    [InlineData(KvmRelay, true, St.AccessDenied)]
    [InlineData(Qemu, true, St.Success)]
    [InlineData(OpenVmm, true, St.Success)]
    public void Post_message_without_the_post_messages_privilege(string profile, bool enforceCpuid, ushort expected)
    {
        var rig = new ProfileRig(profile, privileges: Partitions.PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages, enforceCpuid: enforceCpuid);
        Assert.Equal(expected, rig.Post().Status);
    }

    [Theory] // invalid connection id: 0x12 on every host (KVM: no eventfd → userspace → QEMU 0x12; PostMessage always to QEMU).
    [MemberData(nameof(ProfileNames.WithArchitectures), MemberType = typeof(ProfileNames))]
    public void Unknown_connection_is_invalid_connection_id(string profile, HvArchitecture arch)
    {
        var rig = new ProfileRig(profile, arch);
        Assert.Equal(St.InvalidConnectionId, rig.Post(ProfileRig.UnknownConnection).Status);
        Assert.Equal(St.InvalidConnectionId, rig.Signal(ProfileRig.UnknownConnection).Status);
        Assert.Equal(St.InvalidConnectionId, rig.Signal(ProfileRig.UnknownConnection, fast: false).Status);
    }

    [Theory] // queue full: 16 buffers, then 0x13 (TLFS; QEMU's VMBus rx queue "HV_MSG_QUEUE_LEN 16"; OVMM port not ready).
    [MemberData(nameof(ProfileNames.WithArchitectures), MemberType = typeof(ProfileNames))]
    public void Seventeenth_message_to_a_port_nobody_reads_is_insufficient_buffers(string profile, HvArchitecture arch)
    {
        var rig = new ProfileRig(profile, arch);
        for (var i = 0; i < 16; i++)
            Assert.Equal(St.Success, rig.Post().Status);
        Assert.Equal(St.InsufficientBuffers, rig.Post().Status);
        Assert.Equal(16, rig.Sink.Messages);
    }
}
