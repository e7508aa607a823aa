using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>
/// Rep calls (facts §5, TLFS "Hypercall Continuation"; OpenVMM <c>test_rep_timeout</c>, <c>test_rep_fail</c>):
/// a call cut short by the time slice rewrites the rep start in RCX/X1 and leaves RIP/PC on the instruction;
/// re-executing completes it; reps completed is absolute; a failing rep stops the call with that status and
/// the count of reps before it.
/// </summary>
public sealed class ContinuationTests
{
    public static TheoryData<HvArchitecture, bool> Modes => Abis.ArchsAndModes();
    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    private static void AssertElement(byte[] output, int k, ulong value)
    {
        Assert.Equal(value, Inputs.OutputQword(output, 2 * k));
        Assert.Equal(0UL, Inputs.OutputQword(output, 2 * k + 1));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Slow_rep_call_cut_by_the_time_slice_continues_with_rep_start_rewritten_and_ip_unchanged(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 7);
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;
        TestMachine.Fill(vp, TestMachine.OutputPage(vp), 7 * 16);
        var control = Words.Control(Code.GetVpRegisters, repCount: 7);
        var ip = Cpu.Ip(vp);
        var resultBefore = Cpu.Result(vp);

        var first = Cpu.Issue(vp, control, fast: false, Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names), 7 * 16);

        Assert.Equal(HypercallExitKind.Continue, first.Exit.Kind);
        Assert.Equal(control | (2UL << 48), Cpu.ControlRegister(vp));
        Assert.Equal(ip, Cpu.Ip(vp));
        // The result register is not written on a continuation: RAX keeps its value, X0 still holds the SMCCC function id.
        Assert.Equal(arch == HvArchitecture.X64 ? resultBefore : Cpu.Arm64FunctionId, Cpu.Result(vp));
        AssertElement(first.Output, 0, 0x20);
        AssertElement(first.Output, 1, 0x21);
        Assert.All(first.Output[32..], b => Assert.Equal(TestMachine.Pattern, b));

        var (last, executions, controls) = Cpu.RunToCompletion(vp, first.Exit);

        Assert.Equal(HypercallExitKind.Completed, last.Kind);
        Assert.Equal(4, executions);
        Assert.Equal([2, 4, 6], controls.Select(Words.RepStart));
        Assert.All(controls, c => Assert.Equal(control, c & ~(0xFFFUL << 48)));
        Assert.Equal(St.Success, Words.Status(Cpu.Result(vp)));
        Assert.Equal(7, Words.RepsCompleted(Cpu.Result(vp)));
        Assert.Equal(ip + (ulong)Cpu.InstructionLength(arch), Cpu.Ip(vp));
        var output = TestMachine.Read(vp, TestMachine.OutputPage(vp), 7 * 16);
        for (var k = 0; k < 7; k++)
            AssertElement(output, k, 0x20UL + (ulong)k);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Continued_flush_list_processes_every_element_exactly_once_in_order(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;
        var input = new byte[24 + 7 * 8];
        for (var k = 0; k < 7; k++)
            input[24 + 8 * k] = (byte)(0x10 + k);
        input[0] = 0x33; // address space

        var first = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: 7), fast, input, 0);
        Assert.Equal(HypercallExitKind.Continue, first.Exit.Kind);
        Assert.Equal(2, Words.RepStart(Cpu.ControlRegister(m.Vp)));
        Assert.Equal(fast, (Cpu.ControlRegister(m.Vp) & Words.FastBit) != 0);
        var (last, executions, _) = Cpu.RunToCompletion(m.Vp, first.Exit);

        Assert.Equal(HypercallExitKind.Completed, last.Kind);
        Assert.Equal(4, executions);
        Assert.Equal(7, Words.RepsCompleted(Cpu.Result(m.Vp)));
        Assert.Equal(Enumerable.Range(0x10, 7).Select(v => (ulong)v), m.Hv.Record.Flushes.SelectMany(f => f.GvaRanges));
        Assert.All(m.Hv.Record.Flushes, f => Assert.Equal(0x33UL, f.AddressSpace));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_rep_call_continuation_writes_output_registers_of_the_completed_reps_only(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 4);
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;
        RegisterFile.Scribble(vp);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names);
        var outStart = Cpu.FastOutputStart(input.Length); // 32 bytes of input: output from qword 4

        var first = Cpu.Issue(vp, Words.Control(Code.GetVpRegisters, repCount: 4), fast: true, input, 64);

        Assert.Equal(HypercallExitKind.Continue, first.Exit.Kind);
        AssertElement(first.Output, 0, 0x20);
        AssertElement(first.Output, 1, 0x21);
        for (var q = 4; q < 8; q++)
            Assert.Equal(0xDEADUL, Cpu.GetBlock(vp, outStart + q) >> 48);

        var (last, _, _) = Cpu.RunToCompletion(vp, first.Exit);
        Assert.Equal(HypercallExitKind.Completed, last.Kind);
        var output = Cpu.ReadBlockBytes(vp, outStart, 64);
        for (var k = 0; k < 4; k++)
            AssertElement(output, k, 0x20UL + (ulong)k);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Rep_start_given_by_the_guest_is_honoured_and_reps_completed_is_absolute(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var input = new byte[24 + 7 * 8];
        for (var k = 0; k < 7; k++)
            input[24 + 8 * k] = (byte)(0x10 + k);

        var outcome = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: 7, repStart: 3), fast, input, 0);

        Assert.Equal(St.Success, outcome.Status);
        Assert.Equal(7, outcome.Reps);
        Assert.Equal([0x13UL, 0x14, 0x15, 0x16], m.Hv.Record.Flushes.Single().GvaRanges);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Rep_failing_midway_returns_its_status_with_the_reps_before_it_and_output_only_for_those(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        TestMachine.PrepareSints(vp, 4);
        RegisterFile.Scribble(vp);
        TestMachine.Fill(vp, TestMachine.OutputPage(vp), 64);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, RegName.Sint(0), RegName.Sint(1), 0x00DE_AD00, RegName.Sint(3));
        var ip = Cpu.Ip(vp);

        var outcome = Cpu.Issue(vp, Words.Control(Code.GetVpRegisters, repCount: 4), fast, input, 64);

        Assert.Equal(HypercallExitKind.Completed, outcome.Exit.Kind);
        Assert.Equal(St.InvalidParameter, outcome.Status);
        Assert.Equal(2, outcome.Reps);
        Assert.Equal(ip + (ulong)Cpu.InstructionLength(arch), Cpu.Ip(vp));
        AssertElement(outcome.Output, 0, 0x20);
        AssertElement(outcome.Output, 1, 0x21);
        if (fast)
        {
            var start = Cpu.FastOutputStart(input.Length);
            for (var q = 4; q < 8; q++)
                Assert.Equal(0xDEADUL, Cpu.GetBlock(vp, start + q) >> 48);
        }
        else
        {
            Assert.All(outcome.Output[32..], b => Assert.Equal(TestMachine.Pattern, b));
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Rep_failing_in_a_later_time_slice_continues_first_then_stops_at_the_failing_rep(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        var names = TestMachine.PrepareSints(vp, 7);
        names[5] = 0x00DE_AD00;
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;

        var first = Cpu.Issue(vp, Words.Control(Code.GetVpRegisters, repCount: 7), false, Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names), 0);
        var (last, executions, controls) = Cpu.RunToCompletion(vp, first.Exit);

        Assert.Equal(3, executions);
        Assert.Equal([2, 4], controls.Select(Words.RepStart));
        Assert.Equal(HypercallExitKind.Completed, last.Kind);
        Assert.Equal(St.InvalidParameter, Words.Status(Cpu.Result(vp)));
        Assert.Equal(5, Words.RepsCompleted(Cpu.Result(vp)));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Variable_rep_handler_sees_elements_after_the_variable_header_and_its_failure_status_is_returned(HvArchitecture arch, bool fast)
    {
        // FlushVirtualAddressListEx (0x14) has a sized catalog entry (variable rep, 32-byte header, 8-byte elements) and no standard handler.
        var m = TestMachine.Create(arch);
        var seen = new List<ulong>();
        m.Hv.Dispatcher.Register(Code.FlushVirtualAddressListEx, (ref HypercallContext c) =>
        {
            Assert.Equal(40, c.HeaderSize);
            for (var i = c.RepStart; i < c.RepEnd; i++)
            {
                var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(c.InputElement(i));
                if (value == 0xBAD)
                    return new HypercallResult(HvStatus.OperationDenied, i);
                seen.Add(value);
            }
            return new HypercallResult(HvStatus.Success, c.RepEnd);
        });
        var input = new byte[40 + 4 * 8];
        ulong[] elements = [0x100, 0x200, 0xBAD, 0x400];
        for (var k = 0; k < 4; k++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(40 + 8 * k), elements[k]);

        var outcome = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressListEx, varHeader: 1, repCount: 4), fast, input, 0);

        Assert.Equal(0x8, outcome.Status);
        Assert.Equal(2, outcome.Reps);
        Assert.Equal([0x100UL, 0x200], seen);
        Assert.Equal(HypercallExitKind.Completed, outcome.Exit.Kind);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Handler_stopping_early_with_timeout_continues_at_the_rep_it_reached(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        var calls = new List<(int Start, int End)>();
        m.Hv.Dispatcher.Register(Code.FlushVirtualAddressListEx, (ref HypercallContext c) =>
        {
            calls.Add((c.RepStart, c.RepEnd));
            return c.RepStart == 0 ? new HypercallResult(HvStatus.Timeout, 1) : new HypercallResult(HvStatus.Success, c.RepEnd);
        });

        var first = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressListEx, repCount: 3), fast, new byte[32 + 24], 0);
        Assert.Equal(HypercallExitKind.Continue, first.Exit.Kind);
        Assert.Equal(1, Words.RepStart(Cpu.ControlRegister(m.Vp)));
        var (last, _, _) = Cpu.RunToCompletion(m.Vp, first.Exit);

        Assert.Equal(HypercallExitKind.Completed, last.Kind);
        Assert.Equal(St.Success, Words.Status(Cpu.Result(m.Vp)));
        Assert.Equal(3, Words.RepsCompleted(Cpu.Result(m.Vp)));
        Assert.Equal([(0, 3), (1, 3)], calls);
    }
}
