using System;
using HvCall.Abi;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>
/// OpenVMM's guard-page strategy: the output list sits at the end of its page, the page and its neighbours are
/// pre-filled with 0xA5, and after the call every byte outside the range the rules allow to be written still
/// holds the pattern (facts §6: simple calls write output only on success; rep calls write output for the reps
/// completed). Slow calls, both architectures.
/// </summary>
public sealed class GuardPageTests
{
    private const int Page = TestMachine.Page;

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    /// <summary>Guard page before, output page, guard page after.</summary>
    private static ulong RegionStart(VirtualProcessor vp) => TestMachine.OutputPage(vp) - Page;
    private const int RegionLength = 3 * Page;

    private static void PrepareRegion(VirtualProcessor vp) => TestMachine.Fill(vp, RegionStart(vp), RegionLength);

    /// <summary>Every byte of the region outside [start, start + length) still holds the pattern.</summary>
    private static void AssertOnlyWritten(VirtualProcessor vp, ulong start, int length)
    {
        var region = TestMachine.Read(vp, RegionStart(vp), RegionLength);
        var from = (int)(start - RegionStart(vp));
        for (var i = 0; i < region.Length; i++)
        {
            if (i >= from && i < from + length)
                continue;
            Assert.True(region[i] == TestMachine.Pattern, $"byte at GPA 0x{RegionStart(vp) + (ulong)i:X} changed to 0x{region[i]:X2}");
        }
    }

    private static void AssertElements(VirtualProcessor vp, ulong listGpa, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            var element = TestMachine.Read(vp, listGpa + (ulong)(16 * k), 16);
            Assert.Equal(0x20UL + (ulong)k, Inputs.OutputQword(element, 0));
            Assert.Equal(0UL, Inputs.OutputQword(element, 1));
        }
    }

    private static HypercallExitKindAndStatus Call(VirtualProcessor vp, ulong control, byte[] input, ulong outGpa)
    {
        Assert.True(vp.Partition.Memory.TryWrite(TestMachine.InputPage(vp), input));
        var exit = Cpu.Hvcall(vp, control, TestMachine.InputPage(vp), outGpa);
        return new(exit.Kind, Words.Status(Cpu.Result(vp)), Words.RepsCompleted(Cpu.Result(vp)));
    }

    private readonly record struct HypercallExitKindAndStatus(Dispatch.HypercallExitKind Kind, ushort Status, int Reps);

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Rep_output_list_at_the_page_end_is_written_exactly_and_the_input_page_is_never_written(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 3);
        PrepareRegion(vp);
        var list = TestMachine.OutputPage(vp) + Page - 48;
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names);
        Assert.True(vp.Partition.Memory.TryWrite(TestMachine.InputPage(vp), input));
        var inputPageBefore = TestMachine.Read(vp, TestMachine.InputPage(vp), Page);

        var r = Call(vp, Words.Control(Code.GetVpRegisters, repCount: 3), input, list);

        Assert.Equal((St.Success, 3), (r.Status, r.Reps));
        AssertOnlyWritten(vp, list, 48);
        AssertElements(vp, list, 0, 3);
        Assert.Equal(inputPageBefore, TestMachine.Read(vp, TestMachine.InputPage(vp), Page));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Rep_call_failing_midway_writes_only_the_elements_before_the_failing_rep(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 4);
        names[2] = 0x0012_3456; // unknown register name
        PrepareRegion(vp);
        var list = TestMachine.OutputPage(vp) + Page - 64;

        var r = Call(vp, Words.Control(Code.GetVpRegisters, repCount: 4), Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names), list);

        Assert.Equal((St.InvalidParameter, 2), (r.Status, r.Reps));
        AssertOnlyWritten(vp, list, 32);
        AssertElements(vp, list, 0, 2);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Continued_rep_call_leaves_elements_before_rep_start_and_after_reps_completed_untouched(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 5);
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;
        PrepareRegion(vp);
        var list = TestMachine.OutputPage(vp) + Page - 80;

        var r = Call(vp, Words.Control(Code.GetVpRegisters, repCount: 5, repStart: 1), Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names), list);

        Assert.Equal(Dispatch.HypercallExitKind.Continue, r.Kind);
        Assert.Equal(3, Words.RepStart(Cpu.ControlRegister(vp)));
        AssertOnlyWritten(vp, list + 16, 32); // elements 1 and 2 only
        AssertElements(vp, list, 1, 3);

        var (last, _, _) = Cpu.RunToCompletion(vp, new Dispatch.HypercallExit(r.Kind, default, default, "L0"));
        Assert.Equal(Dispatch.HypercallExitKind.Completed, last.Kind);
        Assert.Equal(5, Words.RepsCompleted(Cpu.Result(vp)));
        AssertOnlyWritten(vp, list + 16, 64); // element 0 (before the guest's rep start) never written
        AssertElements(vp, list, 1, 5);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Simple_call_writes_exactly_its_output_on_success_and_nothing_on_failure(HvArchitecture arch)
    {
        var granted = TestMachine.Create(arch);
        var denied = TestMachine.Create(arch, PartitionConfiguration.GuestDefault & ~(HvPartitionPrivileges.EnableExtendedHypercalls | HvPartitionPrivileges.AccessPartitionId));
        foreach (var m in (TestMachine[])[granted, denied])
        {
            var vp = m.Vp;
            PrepareRegion(vp);
            var at = TestMachine.OutputPage(vp) + Page - 8;
            var ext = Call(vp, Words.Control(Code.ExtQueryCapabilities), [], at);
            var id = Call(vp, Words.Control(Code.GetPartitionId), [], at - 8);
            if (m == granted)
            {
                Assert.Equal(St.Success, ext.Status);
                Assert.Equal(St.Success, id.Status);
                AssertOnlyWritten(vp, at - 8, 16);
                Assert.Equal(0UL, Inputs.OutputQword(TestMachine.Read(vp, at, 8), 0)); // capability mask: nothing else simulated
                Assert.Equal(m.Guest.Id, Inputs.OutputQword(TestMachine.Read(vp, at - 8, 8), 0));
            }
            else
            {
                Assert.Equal(St.AccessDenied, ext.Status);
                Assert.Equal(St.AccessDenied, id.Status);
                AssertOnlyWritten(vp, at, 0);
            }
        }
    }
}
