using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>
/// Fast calls change only the registers the convention allows (OpenVMM compares the set of modified registers):
/// the result register (RAX / X0) and the instruction pointer (+3 / +4, exactly once, on completion), the
/// output registers after the input, and on a continuation only the control register (RCX / X1) and the
/// output of the reps done. Every other register of the whole file must be unchanged.
/// </summary>
public sealed class FastRegisterTests
{
    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    private static Dictionary<string, ulong> Completion(VirtualProcessor vp, Dictionary<string, ulong> before, ulong result)
    {
        var arch = vp.Architecture;
        return new Dictionary<string, ulong>
        {
            [RegisterFile.ResultName(arch)] = result,
            [RegisterFile.IpName(arch)] = before[RegisterFile.IpName(arch)] + (ulong)Cpu.InstructionLength(arch),
        };
    }

    /// <summary>Scribbles the whole file, loads the call, and snapshots: the "before" state the guest set up.</summary>
    private static Dictionary<string, ulong> Prepare(VirtualProcessor vp, ulong control, byte[] input)
    {
        RegisterFile.Scribble(vp);
        Cpu.Load(vp, control | Words.FastBit, Cpu.Qwords(input));
        return RegisterFile.Snapshot(vp);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_simple_call_without_output_changes_only_the_result_and_the_instruction_pointer(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var before = Prepare(m.Vp, Words.Control(Code.NotifyLongSpinWait), new byte[8]);

        var exit = m.Hv.ExecuteHypercall(m.Vp);

        Assert.Equal(HypercallExitKind.Completed, exit.Kind);
        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), Completion(m.Vp, before, St.Success));
        Assert.Equal(1, m.Hv.Record.LongSpinWaits);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_simple_call_failing_changes_only_the_result_and_the_instruction_pointer(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var before = Prepare(m.Vp, Words.Control(Code.SignalEvent), Inputs.Qword(Inputs.SignalEvent(0x77, 0)));

        m.Hv.ExecuteHypercall(m.Vp);

        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), Completion(m.Vp, before, St.InvalidConnectionId));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_rep_call_writes_its_output_into_the_register_pairs_after_the_input(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var names = TestMachine.PrepareSints(m.Vp, 2);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names); // 24 bytes: output from qword 4
        var before = Prepare(m.Vp, Words.Control(Code.GetVpRegisters, repCount: 2), input);

        m.Hv.ExecuteHypercall(m.Vp);

        var expected = Completion(m.Vp, before, 2UL << 32);
        expected[Cpu.BlockRegisterName(arch, 4)] = 0x20;
        expected[Cpu.BlockRegisterName(arch, 5)] = 0;
        expected[Cpu.BlockRegisterName(arch, 6)] = 0x21;
        expected[Cpu.BlockRegisterName(arch, 7)] = 0;
        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), expected);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_rep_call_failing_midway_writes_output_registers_of_the_completed_reps_only(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var names = TestMachine.PrepareSints(m.Vp, 4);
        names[2] = 0x00FF_0000;
        var before = Prepare(m.Vp, Words.Control(Code.GetVpRegisters, repCount: 4), Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names));

        m.Hv.ExecuteHypercall(m.Vp);

        var expected = Completion(m.Vp, before, St.InvalidParameter | (2UL << 32));
        expected[Cpu.BlockRegisterName(arch, 4)] = 0x20;
        expected[Cpu.BlockRegisterName(arch, 5)] = 0;
        expected[Cpu.BlockRegisterName(arch, 6)] = 0x21;
        expected[Cpu.BlockRegisterName(arch, 7)] = 0;
        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), expected);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_call_rejected_by_the_dispatcher_writes_no_output_registers(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var names = TestMachine.PrepareSints(m.Vp, 2);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names);
        var before = Prepare(m.Vp, Words.Control(Code.GetVpRegisters, repCount: 2) | (1UL << 45), input);

        m.Hv.ExecuteHypercall(m.Vp);

        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), Completion(m.Vp, before, St.InvalidHypercallInput));
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_continuation_changes_only_the_control_register_and_completed_output_then_completion_advances_ip_once(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var names = TestMachine.PrepareSints(m.Vp, 4);
        m.Hv.Dispatcher.RepsPerTimeSlice = 2;
        var control = Words.Control(Code.GetVpRegisters, repCount: 4) | Words.FastBit;
        var before = Prepare(m.Vp, control, Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names));

        var exit = m.Hv.ExecuteHypercall(m.Vp);

        Assert.Equal(HypercallExitKind.Continue, exit.Kind);
        var mid = RegisterFile.Snapshot(m.Vp);
        RegisterFile.AssertChanged(before, mid, new Dictionary<string, ulong>
        {
            [RegisterFile.ControlName(arch)] = control | (2UL << 48),
            [Cpu.BlockRegisterName(arch, 4)] = 0x20,
            [Cpu.BlockRegisterName(arch, 5)] = 0,
            [Cpu.BlockRegisterName(arch, 6)] = 0x21,
            [Cpu.BlockRegisterName(arch, 7)] = 0,
        });

        exit = m.Hv.ExecuteHypercall(m.Vp);

        Assert.Equal(HypercallExitKind.Completed, exit.Kind);
        RegisterFile.AssertChanged(mid, RegisterFile.Snapshot(m.Vp), new Dictionary<string, ulong>
        {
            [RegisterFile.ResultName(arch)] = 4UL << 32,
            [RegisterFile.IpName(arch)] = before[RegisterFile.IpName(arch)] + (ulong)Cpu.InstructionLength(arch),
            [Cpu.BlockRegisterName(arch, 8)] = 0x22,
            [Cpu.BlockRegisterName(arch, 9)] = 0,
            [Cpu.BlockRegisterName(arch, 10)] = 0x23,
            [Cpu.BlockRegisterName(arch, 11)] = 0,
        });
    }

    [Fact]
    public void Arm64_smccc_call_with_another_function_id_returns_not_supported_and_advances_pc_only()
    {
        var m = TestMachine.Create(HvArchitecture.Arm64);
        RegisterFile.Scribble(m.Vp);
        m.Vp.Arm64.X[0] = 0x8400_0000; // PSCI_VERSION, not a Hyper-V hypercall
        m.Vp.Arm64.X[1] = Words.Control(Code.NotifyLongSpinWait) | Words.FastBit;
        var before = RegisterFile.Snapshot(m.Vp);

        var exit = m.Hv.ExecuteHypercall(m.Vp);

        Assert.Equal(HypercallExitKind.Completed, exit.Kind);
        RegisterFile.AssertChanged(before, RegisterFile.Snapshot(m.Vp), new Dictionary<string, ulong> { ["X0"] = ulong.MaxValue, ["PC"] = before["PC"] + 4 });
        Assert.Equal(0, m.Hv.Record.LongSpinWaits);
    }
}
