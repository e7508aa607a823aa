using System;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>
/// The dispatcher alone (a fresh <see cref="HypercallDispatcher"/> driven with a <see cref="HypercallFrame"/>):
/// output written only under the simple and rep rules even when a handler scribbles over its whole output
/// buffer, continuation on TIMEOUT, and registration rules.
/// </summary>
public sealed class DispatcherUnitTests
{
    private const int Page = TestMachine.Page;

    private static HypercallFrame SlowFrame(ulong control, ulong input, ulong output)
    {
        var frame = new HypercallFrame { Control = new HypercallControl(control), Capacity = 14 };
        frame.Block[0] = input;
        frame.Block[1] = output;
        return frame;
    }

    /// <summary>A handler that fills its whole output with 0x11 and then reports <paramref name="status"/> after <paramref name="reps"/> reps.</summary>
    private static HypercallHandler Scribbler(HvStatus status, int reps) => (ref HypercallContext c) =>
    {
        c.Output.Fill(0x11);
        return new HypercallResult(status, reps);
    };

    [Theory]
    [InlineData(HvStatus.Success, true)]
    [InlineData(HvStatus.InvalidParameter, false)]
    [InlineData(HvStatus.InsufficientBuffers, false)]
    public void Simple_call_output_is_written_only_on_success(HvStatus status, bool written)
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        var dispatcher = new HypercallDispatcher();
        dispatcher.Register(Code.GetPartitionId, Scribbler(status, 0));
        var outGpa = TestMachine.OutputPage(m.Vp);
        TestMachine.Fill(m.Vp, outGpa, 16);
        var frame = SlowFrame(Code.GetPartitionId, 0, outGpa);

        var result = dispatcher.Dispatch(m.Vp, ref frame, out var continueWith);

        Assert.Null(continueWith);
        Assert.Equal((ushort)status, Words.Status(result.Value));
        var bytes = TestMachine.Read(m.Vp, outGpa, 16);
        Assert.All(bytes[..8], b => Assert.Equal(written ? (byte)0x11 : TestMachine.Pattern, b));
        Assert.All(bytes[8..], b => Assert.Equal(TestMachine.Pattern, b));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public void Rep_call_output_is_written_only_for_reps_from_start_to_completed(int repStart, int failAt)
    {
        var m = TestMachine.Create(HvArchitecture.Arm64);
        var dispatcher = new HypercallDispatcher();
        dispatcher.Register(Code.GetVpRegisters, Scribbler(HvStatus.AccessDenied, failAt));
        var outGpa = TestMachine.OutputPage(m.Vp);
        TestMachine.Fill(m.Vp, outGpa, 5 * 16);
        var frame = SlowFrame(Words.Control(Code.GetVpRegisters, repCount: 5, repStart: repStart), TestMachine.InputPage(m.Vp), outGpa);

        var result = dispatcher.Dispatch(m.Vp, ref frame, out var continueWith);

        Assert.Null(continueWith);
        Assert.Equal(St.AccessDenied, Words.Status(result.Value));
        Assert.Equal(failAt, Words.RepsCompleted(result.Value));
        var bytes = TestMachine.Read(m.Vp, outGpa, 5 * 16);
        for (var i = 0; i < bytes.Length; i++)
            Assert.Equal(i / 16 >= repStart && i / 16 < failAt ? (byte)0x11 : TestMachine.Pattern, bytes[i]);
    }

    [Fact]
    public void Fast_rep_call_output_reaches_the_frame_only_for_completed_reps()
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        foreach (var (status, expectOutput) in new[] { (HvStatus.Success, true), (HvStatus.InvalidParameter, false) })
        {
            var dispatcher = new HypercallDispatcher();
            dispatcher.Register(Code.GetVpRegisters, Scribbler(status, status == HvStatus.Success ? 1 : 0));
            var frame = new HypercallFrame { Control = new HypercallControl(Words.Control(Code.GetVpRegisters, fast: true, repCount: 1)), Capacity = 14 };
            for (var i = 0; i < 14; i++)
                frame.Block[i] = 0xA5A5_A5A5_A5A5_A5A5;

            dispatcher.Dispatch(m.Vp, ref frame, out _);

            // Input 20 bytes: output starts at qword 4 (XMM1.lo) and spans two qwords.
            Assert.Equal(expectOutput ? 0x1111_1111_1111_1111UL : 0xA5A5_A5A5_A5A5_A5A5UL, frame.Block[4]);
            Assert.Equal(expectOutput ? 0x1111_1111_1111_1111UL : 0xA5A5_A5A5_A5A5_A5A5UL, frame.Block[5]);
            Assert.Equal(0xA5A5_A5A5_A5A5_A5A5UL, frame.Block[6]);
            Assert.Equal(expectOutput ? 2 : 0, frame.OutputLength);
        }
    }

    [Fact]
    public void Timeout_from_a_rep_handler_asks_for_continuation_at_the_reps_completed()
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        var dispatcher = new HypercallDispatcher();
        dispatcher.Register(Code.FlushVirtualAddressList, (ref HypercallContext c) => new HypercallResult(HvStatus.Timeout, c.RepStart + 1));
        var control = Words.Control(Code.FlushVirtualAddressList, repCount: 4);
        var frame = SlowFrame(control, TestMachine.InputPage(m.Vp), 0);

        dispatcher.Dispatch(m.Vp, ref frame, out var continueWith);

        Assert.NotNull(continueWith);
        Assert.Equal(control | (1UL << 48), continueWith.Value.Value);
    }

    [Fact]
    public void Time_slice_bounds_the_reps_a_handler_is_offered()
    {
        var m = TestMachine.Create(HvArchitecture.X64);
        var dispatcher = new HypercallDispatcher { RepsPerTimeSlice = 3 };
        var offered = (Start: -1, End: -1);
        dispatcher.Register(Code.FlushVirtualAddressList, (ref HypercallContext c) =>
        {
            offered = (c.RepStart, c.RepEnd);
            return new HypercallResult(HvStatus.Success, c.RepEnd);
        });
        var frame = SlowFrame(Words.Control(Code.FlushVirtualAddressList, repCount: 10, repStart: 2), TestMachine.InputPage(m.Vp), 0);

        var result = dispatcher.Dispatch(m.Vp, ref frame, out var continueWith);

        Assert.Equal((2, 5), offered);
        Assert.Equal(5, Words.RepsCompleted(result.Value));
        Assert.Equal(5, Words.RepStart(continueWith!.Value.Value));
    }

    [Theory]
    [InlineData(Code.MapStatsPage)]
    [InlineData(Code.UnmapStatsPage)]
    public void Stats_page_calls_need_AccessStats_before_anything_else(ushort code)
    {
        // TLFS HvCallMapStatsPage / HvCallUnmapStatsPage: ACCESS_DENIED when the AccessStats privilege
        // (CPUID 0x40000003 EBX bit 8, mask bit 40) is clear. No handler is registered for either code.
        const HvPartitionPrivileges accessStats = (HvPartitionPrivileges)(1UL << 40);
        var guest = TestMachine.Create(HvArchitecture.X64);
        Assert.False(guest.Guest.Has(accessStats));
        var statsReader = TestMachine.Create(HvArchitecture.X64, PartitionConfiguration.GuestDefault | accessStats);
        var dispatcher = new HypercallDispatcher();

        var denied = SlowFrame(code, TestMachine.InputPage(guest.Vp), TestMachine.OutputPage(guest.Vp));
        var deniedResult = dispatcher.Dispatch(guest.Vp, ref denied, out var deniedContinue);
        var allowed = SlowFrame(code, TestMachine.InputPage(statsReader.Vp), TestMachine.OutputPage(statsReader.Vp));
        var allowedResult = dispatcher.Dispatch(statsReader.Vp, ref allowed, out var allowedContinue);

        Assert.Equal(St.AccessDenied, Words.Status(deniedResult.Value));
        Assert.NotEqual(St.AccessDenied, Words.Status(allowedResult.Value));
        Assert.Equal(St.InvalidHypercallCode, Words.Status(allowedResult.Value)); // not simulated
        Assert.Null(deniedContinue);
        Assert.Null(allowedContinue);
    }

    [Fact]
    public void Register_refuses_a_second_handler_and_codes_without_sized_catalog_entries()
    {
        var dispatcher = new HypercallDispatcher();
        HypercallHandler ok = (ref HypercallContext c) => new HypercallResult(HvStatus.Success);
        dispatcher.Register(Code.SwitchVirtualAddressSpace, ok);
        Assert.True(dispatcher.IsRegistered(Code.SwitchVirtualAddressSpace));
        Assert.Throws<ArgumentException>(() => dispatcher.Register(Code.SwitchVirtualAddressSpace, ok));
        Assert.Throws<ArgumentException>(() => dispatcher.Register(Code.StartVirtualProcessor, ok)); // no sizes
        Assert.Throws<ArgumentException>(() => dispatcher.Register(0xFFFF, ok)); // not in the catalog
        Assert.False(dispatcher.IsRegistered(Code.StartVirtualProcessor));
        Assert.Throws<ArgumentOutOfRangeException>(() => dispatcher.RepsPerTimeSlice = 0);
    }

    [Fact]
    public void Standard_hypervisor_registers_the_documented_handlers_and_nothing_for_unsimulated_calls()
    {
        var hv = new HvHypervisor("L0");
        foreach (var code in (ushort[])[Code.PostMessage, Code.SignalEvent, Code.GetVpRegisters, Code.SetVpRegisters, Code.GetPartitionId,
                     Code.NotifyLongSpinWait, Code.FlushVirtualAddressSpace, Code.FlushVirtualAddressList, Code.SendSyntheticClusterIpi, Code.ExtQueryCapabilities,
                     Code.CreatePort, Code.ConnectPort, Code.DeletePort, Code.DisconnectPort, Code.SignalEventDirect, Code.PostMessageDirect])
            Assert.True(hv.Dispatcher.IsRegistered(code), $"0x{code:X4}");
        foreach (var code in (ushort[])[Code.SwitchVirtualAddressSpace, Code.FlushVirtualAddressSpaceEx, Code.FlushVirtualAddressListEx, Code.SendSyntheticClusterIpiEx, Code.StartVirtualProcessor])
            Assert.False(hv.Dispatcher.IsRegistered(code), $"0x{code:X4}");
    }
}
