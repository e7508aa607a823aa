using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using HvCall.Simulation.Text;
using Xunit;

namespace HvCall.Simulation.Tests.Profiles;

/// <summary>
/// Machines with an L0 host profile: a flat guest's VMBus works on every host that answers Hyper-V hypercalls on its
/// architecture (host-implementations.md §1.9: each host serves PostMessage and fast SignalEvent for VMBus; KVM's and
/// QEMU's Hyper-V emulation is x86-only, so an ARM64 guest on them is refused as a machine that does not exist); the
/// option text, the builder and raw calls take the profile by name.
/// </summary>
public sealed class L0ProfileMachineTests
{
    private const ushort InvalidHypercallInput = 0x3;
    private const ushort InvalidHypercallCode = 0x2;
    private const ushort AccessDenied = 0x6;

    [Theory]
    [InlineData("hyperv", HvArchitecture.X64)]
    [InlineData("kvm", HvArchitecture.X64)]
    [InlineData("kvm-relay", HvArchitecture.X64)]
    [InlineData("qemu", HvArchitecture.X64)]
    [InlineData("openvmm", HvArchitecture.X64)]
    [InlineData("hyperv", HvArchitecture.Arm64)]
    [InlineData("openvmm", HvArchitecture.Arm64)]
    public void Flat_guest_vmbus_works_on_every_host(string l0, HvArchitecture arch)
    {
        var report = VmBusBringUp.Run(new MachineOptions { Topology = Topology.Flat, Architecture = arch, VpCount = 2, L0Profile = HostProfiles.Get(l0) });

        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal(l0, report.L0Profile.Name);
        Assert.Equal(0x0005_0002u, report.VmBusVersion);
        Assert.Equal(1000, report.EchoesVerified);
        Assert.All(report.Hypercalls, e => Assert.Equal("L0", e.HandledBy));
        Assert.DoesNotContain(report.Hypercalls, e => (e.Control.Value & (1UL << 31)) != 0);
    }

    [Theory] // arch/x86/kvm/hyperv.c: no Hyper-V hypercalls on ARM64 KVM, hence none for QEMU to answer either.
    [InlineData("kvm")]
    [InlineData("kvm-relay")]
    [InlineData("qemu")]
    public void Arm64_guest_on_a_kvm_host_is_no_machine(string l0)
    {
        var options = new MachineOptions { Topology = Topology.Flat, Architecture = HvArchitecture.Arm64, L0Profile = HostProfiles.Get(l0) };
        Assert.Equal($"The {l0} host answers Hyper-V hypercalls on x64 only ({HostProfiles.Get(l0).Description}), not arm64.", options.Validate());
        Assert.Throws<ArgumentException>(() => Machine.Build(options));
    }

    [Fact]
    public void L0_gets_the_profile_and_L1_stays_hyperv()
    {
        var machine = Machine.Builder().WithTopology(Topology.Nested).WithL0Profile("KVM-relay").Build();
        Assert.Same(HostProfiles.KvmRelay, machine.L0.Profile);
        Assert.Same(HostProfiles.Hyperv, machine.L1!.Profile);
        Assert.Same(HostProfiles.Hyperv, Machine.Build(new MachineOptions()).L0.Profile);
        Assert.Throws<ArgumentException>(() => Machine.Builder().WithL0Profile("xen"));
    }

    [Theory]
    [InlineData("l0=kvm", "kvm", false)]
    [InlineData("topology=flat,l0=OpenVMM", "openvmm", false)]
    [InlineData("enforce-cpuid=on,l0=kvm", "kvm", true)]
    [InlineData("", "hyperv", false)]
    public void Option_text_takes_l0_and_enforce_cpuid(string text, string expected, bool enforce)
    {
        Assert.True(MachineOptionsText.TryParse(text, out var options, out var error), error);
        Assert.Equal(expected, options.L0Profile.Name);
        Assert.Equal(enforce, options.L0Profile.EnforceCpuid);
    }

    [Theory]
    [InlineData("l0=xen", "l0: unknown host profile 'xen' (profiles: hyperv, kvm, kvm-relay, qemu, openvmm).")]
    [InlineData("enforce-cpuid=yes", "'yes' is not off or on.")]
    [InlineData("topology=flat,arch=arm64,l0=kvm", "The kvm host answers Hyper-V hypercalls on x64 only")]
    public void Option_text_refuses_in_one_line(string text, string message)
    {
        Assert.False(MachineOptionsText.TryParse(text, out _, out var error));
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory] // One raw call per profile, as a conformance case runs it: the nested root's PostMessage with bit 31 to L0.
    [InlineData("hyperv", 0x12)] // no connection 4 for the L1 VM on a bare machine: INVALID_CONNECTION_ID from L0
    [InlineData("kvm", InvalidHypercallInput)]
    [InlineData("kvm-relay", 0x12)]
    [InlineData("openvmm", 0x12)]
    public void Raw_nested_post_message_against_each_l0(string l0, ushort expected)
    {
        var request = new RawCallRequest(new HypercallControl(0x8000_005C)) { Input = new byte[16] { 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 } };
        var outcome = RawHypercall.Issue(new MachineOptions { Topology = Topology.Nested, L0Profile = HostProfiles.Get(l0) }, request);
        Assert.Equal((expected, "L0", 1), ((ushort)outcome.Status, outcome.HandledBy, outcome.Executions));
    }

    [Fact] // Privileges on a raw call: kvm enforces them only with EnforceCpuid; a code outside KVM's switch is 0x2 either way.
    public void Raw_calls_on_kvm_with_and_without_enforce_cpuid()
    {
        var machine = Machine.Build(new MachineOptions { Topology = Topology.Flat, L0Profile = HostProfiles.Kvm with { EnforceCpuid = true } });
        Assert.True(RawHypercall.TryGetCaller(machine, RawCaller.Guest, out var guest, out _));
        guest.Privileges &= ~HvPartitionPrivileges.PostMessages;
        var post = new RawCallRequest(new HypercallControl(0x5C)) { Input = new byte[16] };
        Assert.Equal(AccessDenied, (ushort)RawHypercall.Issue(guest, post).Status);
        Assert.Equal(InvalidHypercallCode, (ushort)RawHypercall.Issue(guest, new RawCallRequest(new HypercallControl(0x46))).Status);

        // Without EnforceCpuid the zeroed post goes on to QEMU: connection 0 is unknown, INVALID_CONNECTION_ID (0x12). (KVM's
        // selftest stage 2 gets 0x3 there because its VM has no active SynIC, which the profile does not model.)
        var lax = RawHypercall.Issue(new MachineOptions { Topology = Topology.Flat, L0Profile = HostProfiles.Kvm }, post);
        Assert.Equal(0x12, (ushort)lax.Status);
    }

    [Fact]
    public void Raw_call_callers()
    {
        var flat = Machine.Build(new MachineOptions { Topology = Topology.Flat, Architecture = HvArchitecture.Arm64 });
        Assert.False(RawHypercall.TryGetCaller(flat, RawCaller.Root, out _, out var error));
        Assert.Equal("The L0 root partition is x64; use --caller guest for an ARM64 caller.", error);
        var nested = Machine.Build(new MachineOptions { Topology = Topology.Nested });
        Assert.True(RawHypercall.TryGetCaller(nested, RawCaller.Guest, out var l1Guest, out _));
        Assert.Equal(("l1-guest", "L1"), (l1Guest.Name, l1Guest.Hypervisor.Name));
        Assert.True(RawHypercall.TryGetCaller(nested, RawCaller.Default, out var root, out _));
        Assert.True(root.IsRoot);
        Assert.Equal(["hyperv", "kvm", "kvm-relay", "qemu", "openvmm"], HostProfiles.All.Select(p => p.Name));
    }
}
