using System.Collections.Generic;
using HvCall.Simulation.Machines;
using Xunit;
using static HvCall.Simulation.Tests.RootAsHost.RootAsHostHarness;

namespace HvCall.Simulation.Tests.RootAsHost;

/// <summary>
/// The nested root has two SynICs on the same VPs (hyperv-abi.md §7, §9): L0's, which its VMBus client programs
/// through the nested SynIC MSRs, and L1's own, which its VMBus server programs with plain (non-nested) MSR access.
/// They must use different pages and never see each other's programming.
/// </summary>
public sealed class RootSynicSeparationTests
{
    // hyperv-abi.md §7: SIMP/SIEFP bit 0 enables, bits 63:12 are the page frame; SINT bit 16 masks.
    private const ulong EnableBit = 1;

    [Fact]
    public void LayoutPages_ForEveryVp_AreDistinct_AndOutsideTheOtherAreas()
    {
        // Every page any of 64 VPs uses: hypercall input and output, the client's SIMP/SIEFP, the server's L1 SIMP/SIEFP.
        var seen = new HashSet<ulong> { GuestLayout.HypercallPage };
        for (uint vp = 0; vp < 64; vp++)
        {
            ulong[] pages = [GuestLayout.InputPage(vp), GuestLayout.InputPage(vp) + 0x1000, GuestLayout.MessagePage(vp), GuestLayout.EventFlagsPage(vp),
                GuestLayout.L1MessagePage(vp), GuestLayout.L1EventFlagsPage(vp)];
            foreach (var page in pages)
            {
                Assert.Equal(0UL, page % 4096);
                Assert.True(seen.Add(page), $"page 0x{page:X} of VP {vp} is used twice");
            }
            // The root's L1 pages lie above the ring pool (256 pages from 0x200000) and inside the smallest guest (4 MiB).
            foreach (var page in pages[4..])
                Assert.InRange(page, 0x30_0000UL, 0x40_0000UL - 0x1000);
        }
        // Typed from GuestLayout's documentation: VP 0's L1 pages at 0x300000 and 0x301000, its L0 pages at 0x102000 and 0x103000.
        Assert.Equal(0x30_0000UL, GuestLayout.L1MessagePage(0));
        Assert.Equal(0x30_1000UL, GuestLayout.L1EventFlagsPage(0));
        Assert.Equal(0x10_2000UL, GuestLayout.MessagePage(0));
        Assert.Equal(0x10_3000UL, GuestLayout.EventFlagsPage(0));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    public void AfterARun_L1AndL0_HoldDifferentPages_ForTheRootsVp0(int guests, int vps)
    {
        var run = RunByHand(Nested(guests, vps, seed: 21));
        Assert.True(run.Completed);
        var machine = run.Machine;

        // L1's SynIC of the root's VP 0: the server's pages, enabled, SINT 2 unmasked.
        var rootOnL1 = machine.Guest.VirtualProcessors[0].Synic;
        Assert.Same(machine.L1, machine.Guest.Hypervisor);
        Assert.True(rootOnL1.IsEnabled);
        Assert.Equal(GuestLayout.L1MessagePage(0) | EnableBit, rootOnL1.MessagePage.Value);
        Assert.Equal(GuestLayout.L1EventFlagsPage(0) | EnableBit, rootOnL1.EventFlagsPage.Value);
        Assert.False(rootOnL1.Sint(2).IsMasked);

        // L0's SynIC of the L1 VM's VP 0: the client's pages, through the nested MSRs.
        var l1VmOnL0 = machine.L1Vm!.VirtualProcessors[0].Synic;
        Assert.Same(machine.L0, machine.L1Vm.Hypervisor);
        Assert.True(l1VmOnL0.IsEnabled);
        Assert.Equal(GuestLayout.MessagePage(0) | EnableBit, l1VmOnL0.MessagePage.Value);
        Assert.Equal(GuestLayout.EventFlagsPage(0) | EnableBit, l1VmOnL0.EventFlagsPage.Value);
        Assert.False(l1VmOnL0.Sint(2).IsMasked);

        Assert.NotEqual(rootOnL1.MessagePage.Gpa, l1VmOnL0.MessagePage.Gpa);
        Assert.NotEqual(rootOnL1.EventFlagsPage.Gpa, l1VmOnL0.EventFlagsPage.Gpa);
        Assert.NotEqual(rootOnL1.MessagePage.Gpa, l1VmOnL0.EventFlagsPage.Gpa);
        Assert.NotEqual(rootOnL1.EventFlagsPage.Gpa, l1VmOnL0.MessagePage.Gpa);
    }

    [Fact]
    public void TheClientsProgramming_NeverReachesL1_OnTheRootsOtherVps()
    {
        var run = RunByHand(Nested(1, vps: 3, seed: 2));
        Assert.True(run.Completed);
        var machine = run.Machine;

        for (var vp = 1; vp < 3; vp++)
        {
            // The client enabled SIMP/SIEFP on every VP, all through the nested MSRs: L0 has them, L1 does not.
            var onL0 = machine.L1Vm!.VirtualProcessors[vp].Synic;
            Assert.True(onL0.IsEnabled);
            Assert.Equal(GuestLayout.MessagePage((uint)vp) | EnableBit, onL0.MessagePage.Value);
            Assert.Equal(GuestLayout.EventFlagsPage((uint)vp) | EnableBit, onL0.EventFlagsPage.Value);

            var onL1 = machine.Guest.VirtualProcessors[vp].Synic;
            Assert.False(onL1.IsEnabled, $"L1's SynIC of root VP {vp} was enabled");
            Assert.Equal(0UL, onL1.MessagePage.Value);
            Assert.Equal(0UL, onL1.EventFlagsPage.Value);
            Assert.True(onL1.Sint(2).IsMasked);
        }
    }

    [Fact]
    public void EachChild_HasItsOwnSynicOnL1_AtItsOwnPages()
    {
        var run = RunByHand(Nested(2, vps: 2, seed: 8));
        Assert.True(run.Completed);

        foreach (var guest in run.Machine.L2Guests)
        {
            for (var vp = 0; vp < 2; vp++)
            {
                var synic = guest.Partition.VirtualProcessors[vp].Synic;
                Assert.True(synic.IsEnabled, $"{guest.Name} vp{vp}");
                Assert.Equal(GuestLayout.MessagePage((uint)vp) | EnableBit, synic.MessagePage.Value);
                Assert.Equal(GuestLayout.EventFlagsPage((uint)vp) | EnableBit, synic.EventFlagsPage.Value);
            }
            // A guest's memory is its own, not the L1 VM's that the root shares.
            Assert.NotSame(run.Machine.L1Vm!.Memory, guest.Partition.Memory);
        }
        Assert.Same(run.Machine.L1Vm!.Memory, run.Machine.Guest.Memory);
    }
}
