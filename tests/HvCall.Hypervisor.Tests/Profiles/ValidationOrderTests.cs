using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;
using static HvCall.Hypervisor.Tests.Profiles.ProfileNames;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// A call with two faults gets the status of the check its host makes first. Orders: TLFS/HvCall code → privilege →
/// shape → fast size → memory (docs/machine-model.md); KVM privilege (ENFORCE_CPUID) → reserved bits → per-code switch
/// (host-implementations.md §4.2); QEMU fast → alignment → map → payload → connection (§6); OpenVMM code → shape → fast
/// size → per buffer straddle then alignment → read (§7).
/// </summary>
public sealed class ValidationOrderTests
{
    private const ulong ReservedBit27 = 1UL << 27;
    private const HvPartitionPrivileges NoPostMessages = PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages;

    [Theory] // unknown code + reserved bit: Hyper-V and OpenVMM look the code up first; KVM tests the reserved mask before its switch.
    [InlineData(Hyperv, St.InvalidHypercallCode)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidHypercallCode)]
    [InlineData(OpenVmm, St.InvalidHypercallCode)]
    public void Unknown_code_with_a_reserved_bit(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(0xBEEF | ReservedBit27, true, new byte[8]).Status);
    }

    [Theory] // missing privilege + reserved bit: privilege is first for Hyper-V and for KVM with ENFORCE_CPUID; without it KVM answers the mask.
    [InlineData(Hyperv, false, St.AccessDenied)]
    [InlineData(Kvm, true, St.AccessDenied)]
    [InlineData(Kvm, false, St.InvalidHypercallInput)]
    [InlineData(OpenVmm, true, St.Success)] // neither is checked: the message is delivered
    public void Missing_privilege_with_a_reserved_bit(string profile, bool enforceCpuid, ushort expected)
    {
        var rig = new ProfileRig(profile, privileges: NoPostMessages, enforceCpuid: enforceCpuid);
        Assert.Equal(expected, rig.Post(extraControl: ReservedBit27).Status);
    }

    [Theory] // a catalog call the host does not implement, without its privilege: Hyper-V denies access before revealing it is not
             // there; KVM's access check passes codes it does not know ("default: return true"), so its switch says 0x2.
    [InlineData(Hyperv, St.AccessDenied)]
    [InlineData(Kvm, St.InvalidHypercallCode)]
    public void Unimplemented_call_without_its_privilege(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile, privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.AccessPartitionId, enforceCpuid: true);
        Assert.Equal(expected, rig.Issue(Words.Control(Code.GetPartitionId), false, [], 8).Status);
    }

    [Theory] // fast PostMessage with a reserved bit: KVM's mask comes before the hand-off; QEMU alone has no mask and refuses fast.
    [InlineData(Hyperv, St.InvalidHypercallInput)]
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidHypercallCode)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)] // too big for the registers
    public void Fast_post_message_with_a_reserved_bit(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(Code.PostMessage, fast: true) | ReservedBit27, true, new byte[16]).Status);
    }

    [Theory] // fast PostMessage with a rep count: KVM's switch checks rep before handing it to QEMU; QEMU alone answers the fast flag.
    [InlineData(Kvm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.InvalidHypercallCode)]
    public void Fast_post_message_with_a_rep_count(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Issue(Words.Control(Code.PostMessage, fast: true, repCount: 1), true, new byte[16]).Status);
    }

    [Theory] // misaligned and crossing a page (4 bytes before the page end): OpenVMM checks the straddle first (0x3); TLFS 0x4;
             // QEMU checks only its 4-byte alignment: aligned, so the 256 bytes are read across the page and delivered.
    [InlineData(Hyperv, St.InvalidAlignment)]
    [InlineData(OpenVmm, St.InvalidHypercallInput)]
    [InlineData(Qemu, St.Success)]
    [InlineData(Kvm, St.Success)]
    public void Misaligned_input_crossing_a_page(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.PostAt(TestMachine.Page - 4).Status);
    }

    [Theory] // input misaligned and output outside RAM: OpenVMM checks both buffers' placement before reading either.
    [InlineData(Hyperv, St.InvalidAlignment)]
    [InlineData(OpenVmm, St.InvalidAlignment)]
    public void Misaligned_output_is_found_before_an_unreadable_input(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        var vp = rig.Vp;
        // GetVpRegisters, 1 rep: 20 bytes in, 16 out; input outside guest memory, output misaligned.
        var exit = Cpu.Hvcall(vp, Words.Control(Code.GetVpRegisters, repCount: 1), TestMachine.MemorySize + 0x1000, TestMachine.OutputPage(vp) + 4);
        Assert.Equal(HvCall.Hypervisor.Dispatch.HypercallExitKind.Completed, exit.Kind);
        Assert.Equal(expected, Words.Status(Cpu.Result(vp)));
    }

    [Theory] // PostMessage with message type 0 to an unknown connection: the TLFS order (HvCall, like OpenVMM and QEMU for the
             // payload size) checks the message first (0x5); QEMU's VMBus handler sees the type only once the connection resolves.
    [InlineData(Hyperv, St.InvalidParameter)]
    [InlineData(Kvm, St.InvalidConnectionId)]
    [InlineData(Qemu, St.InvalidConnectionId)]
    [InlineData(OpenVmm, St.InvalidConnectionId)] // the type is not checked at all
    public void Message_type_zero_to_an_unknown_connection(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Post(ProfileRig.UnknownConnection, type: 0).Status);
    }

    [Theory] // SignalEvent with a flag number and connection id bits 31:24: KVM and QEMU test the flag first (0x11), then the other
             // bits (0x3); Hyper-V resolves the connection (the high bits make it unknown: 0x12) before it looks at the flag.
    [InlineData(Hyperv, St.InvalidConnectionId)]
    [InlineData(Kvm, St.InvalidPortId)]
    [InlineData(Qemu, St.InvalidPortId)]
    [InlineData(OpenVmm, St.InvalidConnectionId)]
    public void Signal_with_a_flag_number_and_connection_high_bits(string profile, ushort expected)
    {
        var rig = new ProfileRig(profile);
        Assert.Equal(expected, rig.Signal(0x0100_0000 | ProfileRig.HostEventConnection, flag: 1).Status);
    }
}
