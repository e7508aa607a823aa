using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;
using Xunit;

namespace HvCall.Hypervisor.Tests.Profiles;

/// <summary>
/// The profiles' data against host-implementations.md: names and look-up, the reserved masks (§1.1: TLFS RsvdZ
/// 0xF000F00078000000; KVM's HV_HYPERCALL_RSVD_MASK 0xF000F000F8000000, bit 31 included), what each does with a
/// forwarded bit 31 (§3), privilege enforcement (§1.9, §4.3), the §1.9 statuses, the code sets (§4.4, §6, §7), the
/// orders (§4.2, §7, §9) and the sources each cites.
/// </summary>
public sealed class HostProfileDataTests
{
    [Fact]
    public void Five_named_profiles_hyperv_first()
    {
        Assert.Equal(["hyperv", "kvm", "kvm-relay", "qemu", "openvmm"], HostProfiles.All.Select(p => p.Name));
        Assert.Equal("hyperv, kvm, kvm-relay, qemu, openvmm", HostProfiles.NameList);
        Assert.Same(HostProfiles.Hyperv, new HvHypervisor("L0").Profile);
    }

    [Theory]
    [InlineData("KVM", "kvm")]
    [InlineData(" Kvm-Relay ", "kvm-relay")]
    [InlineData("OpenVMM", "openvmm")]
    [InlineData("hyperv", "hyperv")]
    public void Lookup_is_case_insensitive(string name, string expected)
    {
        Assert.True(HostProfiles.TryGet(name, out var profile));
        Assert.Equal(expected, profile.Name);
    }

    [Fact]
    public void Unknown_name_lists_the_names()
    {
        Assert.False(HostProfiles.TryGet("xen", out _));
        Assert.False(HostProfiles.TryGet(null, out _));
        var error = Assert.Throws<ArgumentException>(() => HostProfiles.Get("xen"));
        Assert.Contains("unknown host profile 'xen' (profiles: hyperv, kvm, kvm-relay, qemu, openvmm).", error.Message, StringComparison.Ordinal);
    }

    [Theory] // §1.1 / §1.9 "reserved control bit set"; §3 forwarded bit 31.
    [InlineData("hyperv", 0xF000_F000_7800_0000UL, ForwardedNestedBit.Accepted, true)]
    [InlineData("kvm", 0xF000_F000_F800_0000UL, ForwardedNestedBit.Reserved, false)]
    [InlineData("kvm-relay", 0xF000_F000_F800_0000UL, ForwardedNestedBit.Relayed, false)]
    [InlineData("qemu", null, ForwardedNestedBit.Accepted, false)]
    [InlineData("openvmm", null, ForwardedNestedBit.Accepted, false)]
    public void Reserved_mask_and_the_nested_bit(string name, ulong? mask, ForwardedNestedBit forwarded, bool forwardsAsL1)
    {
        var profile = HostProfiles.Get(name);
        Assert.Equal((mask, forwarded, forwardsAsL1), (profile.ReservedMask, profile.ForwardedNestedBit, profile.ForwardsNestedCalls));
    }

    [Fact] // The relay: "for L2 VMCALLs with code 0x5c/0x5d and bit 31 set … clears bit 31".
    public void Relay_clears_bit_31_for_post_message_and_signal_event_only()
    {
        var relay = HostProfiles.KvmRelay;
        Assert.Equal([(ushort)0x5C, (ushort)0x5D], relay.RelayedCodes.Select(c => c.Value));
        Assert.Equal(0x5CUL, relay.AdmitForwarded(new HypercallControl(0x8000_005C)).Value);
        Assert.Equal(0x1_005DUL, relay.AdmitForwarded(new HypercallControl(0x8001_005D)).Value);
        Assert.Equal(0x8000_0008UL, relay.AdmitForwarded(new HypercallControl(0x8000_0008)).Value);
        Assert.Equal(0x8000_005CUL, HostProfiles.Kvm.AdmitForwarded(new HypercallControl(0x8000_005C)).Value);
        Assert.Equal(0x5CUL, HostProfiles.Hyperv.AdmitForwarded(new HypercallControl(0x8000_005C)).Value);
    }

    [Theory] // §1.9 "missing privilege": TLFS 0x6; KVM 0x6 with ENFORCE_CPUID only; QEMU –; OVMM –.
    [InlineData("hyperv", PrivilegeEnforcement.Always, true, true)]
    [InlineData("kvm", PrivilegeEnforcement.WhenEnforceCpuid, false, true)]
    [InlineData("kvm-relay", PrivilegeEnforcement.WhenEnforceCpuid, false, true)]
    [InlineData("qemu", PrivilegeEnforcement.Never, false, false)]
    [InlineData("openvmm", PrivilegeEnforcement.Never, false, false)]
    public void Privilege_enforcement(string name, PrivilegeEnforcement mode, bool byDefault, bool withEnforceCpuid)
    {
        var profile = HostProfiles.Get(name);
        Assert.Equal(mode, profile.PrivilegeEnforcement);
        Assert.Equal(byDefault, profile.EnforcesPrivileges);
        Assert.Equal(withEnforceCpuid, (profile with { EnforceCpuid = true }).EnforcesPrivileges);
        Assert.False(profile.EnforceCpuid);
    }

    [Theory] // §1.9 columns: unknown code, list crossing a page, GPA outside RAM, misaligned GPA, fast flag without a fast form,
             // input larger than the fast block, missing privilege. null: not checked.
    [InlineData("hyperv", 0x2, (ushort)0x4, 0x4, 0x4, (ushort)0x3, 0x3, 0x6)]
    [InlineData("kvm", 0x2, null, 0x3, 0x4, (ushort)0x5, 0x3, 0x6)]
    [InlineData("qemu", 0x2, null, 0xB, 0x4, (ushort)0x2, 0x3, 0x6)]
    [InlineData("openvmm", 0x2, (ushort)0x3, 0x3, 0x4, null, 0x3, 0x6)]
    public void Statuses(string name, int unknown, ushort? straddle, int outside, int misaligned, ushort? fastForm, int tooLarge, int privilege)
    {
        var p = HostProfiles.Get(name);
        Assert.Equal((unknown, outside, misaligned, tooLarge, privilege),
            ((int)p.UnknownCodeStatus, (int)p.GpaOutsideRamStatus, (int)p.MisalignedGpaStatus, (int)p.FastInputTooLargeStatus, (int)p.MissingPrivilegeStatus));
        Assert.Equal(straddle, (ushort?)p.PageStraddleStatus);
        Assert.Equal(fastForm, (ushort?)p.FastWithoutFastFormStatus);
    }

    [Fact] // §4.4 KVM's switch, §6 QEMU's kvm_hv_handle_exit, §7 OpenVMM's dispatcher list (virt_whp); Hyper-V: every catalog call.
    public void Code_sets()
    {
        Assert.Null(HostProfiles.Hyperv.ImplementedCodes);
        Assert.Equal([0x02, 0x03, 0x08, 0x0B, 0x13, 0x14, 0x15, 0x5C, 0x5D, 0x69, 0x6A, 0x6B],
            HostProfiles.Kvm.ImplementedCodes!.Value.Select(c => (int)c.Value).Where(v => v < 0x8001).Order());
        Assert.Equal(64, HostProfiles.Kvm.ImplementedCodes!.Value.Count(c => c.Value is >= 0x8001 and <= 0x8040));
        Assert.Equal([0x5C, 0x5D, 0x69, 0x6A, 0x6B], HostProfiles.Qemu.ImplementedCodes!.Value.Select(c => (int)c.Value).Order());
        Assert.True(HostProfiles.OpenVmm.Implements(new HvCallCode(0x5C)) && HostProfiles.OpenVmm.Implements(new HvCallCode(0x51)));
        Assert.False(HostProfiles.OpenVmm.Implements(new HvCallCode(0x08)) || HostProfiles.OpenVmm.Implements(new HvCallCode(0x46)));
        Assert.Same(HostProfiles.Qemu, HostProfiles.Kvm.Vmm);
    }

    [Fact] // §4.2 (KVM: access check, reserved mask, then the switch), §7 (OpenVMM: look-up, control, fast, memory), §9 item 2.
    public void Orders()
    {
        Assert.Equal([HostCheck.NestedBit, HostCheck.KnownCode, HostCheck.Privilege], HostProfiles.Hyperv.Checks.Take(3));
        Assert.Equal([HostCheck.Privilege, HostCheck.ReservedBits, HostCheck.KnownCode], HostProfiles.Kvm.Checks.Take(3));
        Assert.Equal(HostCheck.HandToVmm, HostProfiles.Kvm.ChecksFor(new HvCallCode(0x5C)).Last());
        Assert.Equal([HostCheck.KnownCode, HostCheck.Simulated, HostCheck.RepFields, HostCheck.VariableHeader, HostCheck.FastSize, HostCheck.Memory],
            HostProfiles.OpenVmm.Checks);
        Assert.True(HostProfiles.OpenVmm.Memory.StraddleFirst);
        Assert.True(HostProfiles.Kvm.RepStartMustBeZero && !HostProfiles.Kvm.SlicesRepCalls);
    }

    [Theory] // Each profile cites the sheet and its upstream file.
    [InlineData("hyperv", "TLFS")]
    [InlineData("kvm", "arch/x86/kvm/hyperv.c kvm_hv_hypercall")]
    [InlineData("kvm-relay", "KVM_CAP_NESTED_VMBUS_RELAY")]
    [InlineData("qemu", "hw/hyperv/hyperv.c")]
    [InlineData("openvmm", "vm/hv1/hv1_hypercall")]
    public void Sources(string name, string upstream)
    {
        var profile = HostProfiles.Get(name);
        Assert.Contains("host-implementations.md", profile.Source, StringComparison.Ordinal);
        Assert.Contains(upstream, profile.Source, StringComparison.Ordinal);
        Assert.All(profile.CodeRules.Values, rule => Assert.False(string.IsNullOrWhiteSpace(rule.Source)));
    }

    [Theory] // arch/x86/kvm/hyperv.c: KVM's Hyper-V emulation (and so QEMU's half of it) is x86 only.
    [InlineData("hyperv", true)]
    [InlineData("kvm", false)]
    [InlineData("kvm-relay", false)]
    [InlineData("qemu", false)]
    [InlineData("openvmm", true)]
    public void Arm64_support(string name, bool arm64)
    {
        var profile = HostProfiles.Get(name);
        Assert.True(profile.Supports(HvArchitecture.X64));
        Assert.Equal(arm64, profile.Supports(HvArchitecture.Arm64));
    }

    [Fact] // Data that cannot drive a dispatcher is refused when it is set, not when a guest calls.
    public void Inconsistent_profiles_are_refused()
    {
        var hv = new HvHypervisor("L0");
        Assert.Throws<ArgumentException>(() => hv.Profile = HostProfiles.Kvm with { ReservedMask = HostProfiles.TlfsReservedMask });
        Assert.Throws<ArgumentException>(() => hv.Profile = HostProfiles.Kvm with { Vmm = null });
        Assert.Throws<ArgumentException>(() => hv.Profile = HostProfiles.Hyperv with { FastWithoutFastFormStatus = null });
        Assert.Same(HostProfiles.Hyperv, hv.Profile);
    }
}
