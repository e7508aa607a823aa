using System.Linq;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Scenarios;
using Xunit;

namespace HvCall.Simulation.Tests.Profiles;

/// <summary>
/// Nested Hyper-V on KVM (host-implementations.md §3): the nested root's VMBus client posts INITIATE_CONTACT with the
/// nested bit; L1 hands it to L0, and KVM's kvm_hv_hypercall refuses bit 31 as reserved (INVALID_HYPERCALL_INPUT, 0x3,
/// §4.2 step 4), once per Linux version (vmbus.md §3: 5.3 … 2.4; Linux's vmbus_post_msg turns the status into -EINVAL
/// and vmbus_connect tries the next). With the nested-VMBus relay, L0 keeps 0x5C/0x5D with bit 31, clears it, and VMBus
/// comes up. The root's own L2 guests are served through L1 (Direct calls), so their VMBus works either way.
/// </summary>
public sealed class NestedOnKvmTests
{
    // hyperv-abi.md §3, §4; vmbus.md §1 (INITIATE_CONTACT = 14), §3 (connection 4 for 5.x, 1 below).
    private const ushort InvalidHypercallInput = 0x3;
    private const ushort PostMessage = 0x5C;
    private const ushort SignalEvent = 0x5D;
    private const ulong NestedBit = 1UL << 31;
    private const string ToConnection4 = "vp0: posting VMBus message type 14 to connection 4 failed: HV_STATUS_INVALID_HYPERCALL_INPUT";
    private const string ToConnection1 = "vp0: posting VMBus message type 14 to connection 1 failed: HV_STATUS_INVALID_HYPERCALL_INPUT";

    private static MachineOptions Nested(HostProfile l0, int l2Guests = 0, int vps = 1, ulong seed = 1) =>
        new() { Topology = Topology.Nested, L0Profile = l0, L2Guests = l2Guests, VpCount = vps, Seed = seed };

    [Fact]
    public void On_kvm_the_roots_vmbus_fails_at_L0_with_invalid_hypercall_input_once_per_version()
    {
        var report = VmBusBringUp.Run(Nested(HostProfiles.Kvm));

        Assert.Equal("kvm", report.L0Profile.Name);
        Assert.True(report.NestedRouting);
        Assert.False(report.VmBusConnected);
        Assert.Equal(0u, report.VmBusVersion);
        Assert.Empty(report.Offers);
        Assert.False(report.Unloaded);
        Assert.False(report.Succeeded);
        Assert.True(report.Completed);

        Assert.Equal(8, report.Hypercalls.Count);
        Assert.All(report.Hypercalls, e =>
        {
            Assert.Equal(PostMessage, e.Control.Code.Value);
            Assert.Equal(NestedBit, e.Control.Value & NestedBit);
            Assert.Equal("L0", e.HandledBy);
            Assert.Equal(InvalidHypercallInput, (ushort)e.Result.Status);
            Assert.Equal("root", e.Partition);
            Assert.Equal(1, e.Executions);
        });
        Assert.Equal(8, report.Failures);
        Assert.Equal([ToConnection4, ToConnection4, ToConnection4, ToConnection4, ToConnection1, ToConnection1, ToConnection1, ToConnection1],
            report.Errors.ToArray());
    }

    [Fact]
    public void On_kvm_the_host_never_receives_a_message()
    {
        var run = SimulationHarness.RunHosted(Nested(HostProfiles.Kvm));

        Assert.True(run.Completed);
        Assert.False(run.Client.Connected);
        Assert.Equal(0, run.Host.MessagesReceived);
        Assert.DoesNotContain(run.Report.Hypercalls, e => e.Result.IsSuccess);
        Assert.Same(HostProfiles.Kvm, run.Machine.L0.Profile);
        Assert.Same(HostProfiles.Hyperv, run.Machine.L1!.Profile);
    }

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(2, 5UL)]
    public void With_the_relay_the_roots_vmbus_comes_up_and_carries_traffic(int vps, ulong seed)
    {
        var report = VmBusBringUp.Run(Nested(HostProfiles.KvmRelay, vps: vps, seed: seed));

        Assert.Equal("kvm-relay", report.L0Profile.Name);
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.Equal(0x0005_0002u, report.VmBusVersion);
        Assert.Equal(5, report.Offers.Count);
        Assert.All(report.Channels.Where(c => c.Device != "network" && c.Device != "storage"), c => Assert.True(c.Opened && c.Closed));
        Assert.Equal(3, report.Heartbeats);
        Assert.Equal(1000, report.EchoesVerified);
        Assert.True(report.Unloaded);
        // Every call the root made went to L0 with bit 31 and succeeded: the relay clears the bit for 0x5C and 0x5D.
        Assert.All(report.Hypercalls, e =>
        {
            Assert.Contains(e.Control.Code.Value, new[] { PostMessage, SignalEvent });
            Assert.Equal(NestedBit, e.Control.Value & NestedBit);
            Assert.Equal("L0", e.HandledBy);
        });
        // INITIATE_CONTACT 5.3 is refused by the host's VERSION_RESPONSE, not by the hypervisor: no call fails.
        Assert.Equal(0, report.Failures);
        Assert.Contains(report.Hypercalls, e => e.Control.Code.Value == SignalEvent);
    }

    [Theory]
    [InlineData("kvm", false)]
    [InlineData("kvm-relay", true)]
    [InlineData("hyperv", true)]
    public void The_roots_l2_guests_connect_whatever_L0_is(string l0, bool rootConnects)
    {
        var report = VmBusBringUp.Run(Nested(HostProfiles.Get(l0), l2Guests: 2));

        Assert.Equal(rootConnects, report.VmBusConnected);
        Assert.Equal(2, report.Children.Count);
        Assert.All(report.Children, child =>
        {
            Assert.True(child.VmBusConnected, child.Partition);
            Assert.Equal(1000, child.EchoesVerified);
            Assert.True(child.Unloaded, child.Partition);
        });
        // The guests' calls and the root's Direct calls stay in L1, which is Hyper-V on every machine.
        Assert.All(report.Hypercalls.Where(e => e.Partition != "root" || e.Control.Code.Value is 0xC0 or 0xC1), e => Assert.Equal("L1", e.HandledBy));
        Assert.Equal(rootConnects ? 0 : 8, report.Errors.Count);
    }

    [Fact]
    public void Kvm_with_enforce_cpuid_still_answers_the_reserved_bit_for_an_l1_vm_with_its_privileges()
    {
        var report = VmBusBringUp.Run(Nested(HostProfiles.Kvm with { EnforceCpuid = true }));

        Assert.False(report.VmBusConnected);
        Assert.All(report.Hypercalls, e => Assert.Equal((InvalidHypercallInput, "L0"), ((ushort)e.Result.Status, e.HandledBy)));
    }

    [Theory] // OpenVMM and QEMU never read bit 31 (§7: "nested is a decoded field"; §6 decodes code and fast only), so the root's VMBus
             // comes up on them too; for QEMU alone this is the userspace half without KVM in front, which real machines do not have.
    [InlineData("openvmm")]
    [InlineData("qemu")]
    public void Hosts_that_ignore_bit_31_serve_the_nested_root(string l0)
    {
        var report = VmBusBringUp.Run(Nested(HostProfiles.Get(l0)));
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
        Assert.All(report.Hypercalls, e => Assert.Equal("L0", e.HandledBy));
    }

    [Fact]
    public void Same_seed_same_trace_on_the_relay()
    {
        var a = VmBusBringUp.Run(Nested(HostProfiles.KvmRelay, vps: 2, seed: 9));
        var b = VmBusBringUp.Run(Nested(HostProfiles.KvmRelay, vps: 2, seed: 9));
        Assert.Equal(a.Hypercalls, b.Hypercalls);
        Assert.Equal(a.Steps, b.Steps);
    }
}
