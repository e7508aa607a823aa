using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>A control-word case: the word (without the fast bit), the input, and the status the facts sheet requires.</summary>
internal sealed record ShapeCase(ulong Control, byte[] Input, ushort Expected, int ExpectedReps = 0, bool Fast = true, bool Slow = true,
    HvPartitionPrivileges Privileges = PartitionConfiguration.GuestDefault) : IAbiCase;

/// <summary>
/// OpenVMM's dispatcher cases (<c>test_simple_with_reps</c>, <c>test_rep_incorrect_rep_params</c>,
/// <c>test_unimplemented</c>) and the TLFS control-word rules of facts §1/§6, as data, on x64 and ARM64,
/// fast and slow: shape errors are 0x3, unknown codes 0x2, a missing privilege 0x6 before any shape error.
/// </summary>
public sealed class ShapeValidationTests
{
    private static readonly byte[] Zero8 = new byte[8];
    private static readonly byte[] Zero24 = new byte[24];

    private static byte[] Flush(int reps) => new byte[24 + 8 * reps];

    internal static readonly Dictionary<string, ShapeCase> Cases = Build();

    private static Dictionary<string, ShapeCase> Build()
    {
        var cases = new Dictionary<string, ShapeCase>
        {
            // Positive controls: the shapes below differ from these by one field only.
            ["ok simple NotifyLongSpinWait"] = new(Words.Control(Code.NotifyLongSpinWait), Zero8, St.Success),
            ["ok rep FlushVirtualAddressList count 3 start 2"] = new(Words.Control(Code.FlushVirtualAddressList, repCount: 3, repStart: 2), Flush(3), St.Success, ExpectedReps: 3),

            ["simple call with rep count 1"] = new(Words.Control(Code.NotifyLongSpinWait, repCount: 1), Zero8, St.InvalidHypercallInput),
            ["simple call with rep start 1"] = new(Words.Control(Code.NotifyLongSpinWait, repStart: 1), Zero8, St.InvalidHypercallInput),
            ["simple call with rep count 2 and start 1"] = new(Words.Control(Code.NotifyLongSpinWait, repCount: 2, repStart: 1), Zero8, St.InvalidHypercallInput),
            ["rep call with rep count 0"] = new(Words.Control(Code.FlushVirtualAddressList), Zero24, St.InvalidHypercallInput),
            ["rep call with rep start equal to count"] = new(Words.Control(Code.FlushVirtualAddressList, repCount: 3, repStart: 3), Flush(3), St.InvalidHypercallInput),
            ["rep call with rep start beyond count"] = new(Words.Control(Code.FlushVirtualAddressList, repCount: 2, repStart: 5), Flush(2), St.InvalidHypercallInput),
            ["rep call with rep count 0 and start 1"] = new(Words.Control(Code.FlushVirtualAddressList, repStart: 1), Zero24, St.InvalidHypercallInput),
            ["variable header on a simple call"] = new(Words.Control(Code.NotifyLongSpinWait, varHeader: 1), new byte[16], St.InvalidHypercallInput),
            ["variable header on a rep call"] = new(Words.Control(Code.FlushVirtualAddressList, varHeader: 1, repCount: 1), new byte[40], St.InvalidHypercallInput),
            ["largest variable header on a simple call"] = new(Words.Control(Code.NotifyLongSpinWait, varHeader: 0x3FF), Zero8, St.InvalidHypercallInput),

            ["unregistered code 0xFFFF"] = new(0xFFFF, Zero8, St.InvalidHypercallCode),
            ["unregistered code 0xBEEF"] = new(0xBEEF, Zero8, St.InvalidHypercallCode),
            // A catalog code the simulation does not implement is 0x2 once the caller holds its privilege ...
            ["unregistered catalog code 0x0099 StartVirtualProcessor"] = new(Code.StartVirtualProcessor, Zero8, St.InvalidHypercallCode,
                Privileges: PartitionConfiguration.GuestDefault | HvPartitionPrivileges.StartVirtualProcessor),
            // ... and ACCESS_DENIED without it: whether a call is implemented is context (TLFS: ACCESS_DENIED first).
            ["unregistered catalog code 0x0099 StartVirtualProcessor without its privilege"] = new(Code.StartVirtualProcessor, Zero8, St.AccessDenied),
            ["unregistered code 0x0000"] = new(0x0000, Zero8, St.InvalidHypercallCode),
            ["unregistered code above the normal range 0x0200"] = new(0x0200, Zero8, St.InvalidHypercallCode),
            ["unregistered extended code 0x8002"] = new(0x8002, Zero8, St.InvalidHypercallCode),
            ["unregistered code 0xFFFF with reserved bits"] = new(0xFFFFUL | (1UL << 60), Zero8, St.InvalidHypercallCode),

            // Our documented choice for a fast flag on a call with no fast form (TLFS silent; KVM 0x5, QEMU 0x2, OpenVMM 0x3).
            ["fast flag on PostMessage"] = new(Words.Control(Code.PostMessage), new byte[16], St.InvalidHypercallInput, Slow: false),
            ["fast flag on GetPartitionId"] = new(Words.Control(Code.GetPartitionId), [], St.InvalidHypercallInput, Slow: false),

            // ACCESS_DENIED is preferred over statuses that reveal context (TLFS): privilege before shape.
            ["missing PostMessages privilege, well formed"] = new(Words.Control(Code.PostMessage), new byte[256], St.AccessDenied, Fast: false,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages),
            ["missing PostMessages privilege with rep count"] = new(Words.Control(Code.PostMessage, repCount: 1), new byte[256], St.AccessDenied, Fast: false,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages),
            ["missing PostMessages privilege with reserved bit 63"] = new(Words.Control(Code.PostMessage) | (1UL << 63), new byte[256], St.AccessDenied, Fast: false,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages),
            ["missing PostMessages privilege with fast flag"] = new(Words.Control(Code.PostMessage), new byte[16], St.AccessDenied, Slow: false,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages),
            ["missing SignalEvents privilege with variable header"] = new(Words.Control(Code.SignalEvent, varHeader: 2), new byte[24], St.AccessDenied,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.SignalEvents),
            ["missing AccessVpRegisters privilege with rep count 0"] = new(Words.Control(Code.GetVpRegisters), new byte[16], St.AccessDenied,
                Privileges: PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.AccessVpRegisters),

            // TLFS HvCallMapStatsPage / HvCallUnmapStatsPage: the caller must hold AccessStats (CPUID 0x40000003 EBX bit 8).
            // A guest (GuestDefault has no AccessStats) is denied; with it the call is merely not simulated.
            ["MapStatsPage without AccessStats"] = new(Code.MapStatsPage, Zero24, St.AccessDenied),
            ["UnmapStatsPage without AccessStats"] = new(Code.UnmapStatsPage, Zero24, St.AccessDenied),
            ["MapStatsPage without AccessStats with reserved bit 63"] = new(Code.MapStatsPage | (1UL << 63), Zero24, St.AccessDenied),
            ["MapStatsPage with AccessStats"] = new(Code.MapStatsPage, Zero24, St.InvalidHypercallCode,
                Privileges: PartitionConfiguration.GuestDefault | (HvPartitionPrivileges)(1UL << 40)),
            ["UnmapStatsPage with AccessStats"] = new(Code.UnmapStatsPage, Zero24, St.InvalidHypercallCode,
                Privileges: PartitionConfiguration.GuestDefault | (HvPartitionPrivileges)(1UL << 40)),
        };
        foreach (var bit in (int[])[27, 28, 29, 30, 44, 45, 46, 47, 60, 61, 62, 63])
            cases[$"reserved control bit {bit:D2}"] = new(Words.Control(Code.NotifyLongSpinWait) | (1UL << bit), Zero8, St.InvalidHypercallInput);
        foreach (var bit in (int[])[27, 47, 63])
            cases[$"reserved control bit {bit:D2} on a well-formed rep call"] = new(Words.Control(Code.FlushVirtualAddressList, repCount: 1) | (1UL << bit), Flush(1), St.InvalidHypercallInput);
        return cases;
    }

    public static TheoryData<string, HvArchitecture, bool> Rows => Abis.Cases(Cases);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Control_word_case_returns_the_documented_status_and_runs_no_handler_on_error(string name, HvArchitecture arch, bool fast)
    {
        var c = Cases[name];
        var m = TestMachine.Create(arch, c.Privileges);
        var ip = Cpu.Ip(m.Vp);

        var outcome = Cpu.Issue(m.Vp, c.Control, fast, c.Input, 0);

        Assert.Equal(HypercallExitKind.Completed, outcome.Exit.Kind);
        Assert.Equal(c.Expected, outcome.Status);
        Assert.Equal(c.ExpectedReps, outcome.Reps);
        Assert.Equal(0UL, outcome.Result & Words.ResultReservedMask);
        Assert.Equal(ip + (ulong)Cpu.InstructionLength(arch), Cpu.Ip(m.Vp));
        Assert.Equal("L0", outcome.Exit.HandledBy);
        if (c.Expected != St.Success)
        {
            Assert.Empty(m.Hv.Record.Flushes);
            Assert.Equal(0, m.Hv.Record.LongSpinWaits);
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_rep_input_that_exactly_fills_the_register_block_succeeds_and_one_more_rep_is_invalid_input(HvArchitecture arch)
    {
        // FlushVirtualAddressList: 24-byte header + 8 bytes per rep; x64 holds 112 bytes (RDX, R8, XMM0-5), ARM64 128 (X2-X17).
        var maxReps = (Cpu.Capacity(arch) * 8 - 24) / 8;
        var m = TestMachine.Create(arch);

        var fits = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: maxReps), fast: true, Flush(maxReps), 0);
        Assert.Equal(St.Success, fits.Status);
        Assert.Equal(maxReps, fits.Reps);

        var flushes = m.Hv.Record.Flushes.Count;
        var m2 = TestMachine.Create(arch);
        var tooBig = Cpu.Issue(m2.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: maxReps + 1), fast: true, Flush(maxReps), 0);
        Assert.Equal(St.InvalidHypercallInput, tooBig.Status);
        Assert.Empty(m2.Hv.Record.Flushes);
        Assert.Equal(1, flushes);
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Fast_rep_output_that_does_not_fit_after_the_input_is_invalid_input(HvArchitecture arch)
    {
        // GetVpRegisters: input 16 + 4n, output 16n starting at the register pair after the input.
        var capacity = Cpu.Capacity(arch) * 8;
        var max = 0;
        while (Cpu.FastOutputStart(16 + 4 * (max + 1)) * 8 + 16 * (max + 1) <= capacity)
            max++;
        Assert.Equal(arch == HvArchitecture.X64 ? 4 : 5, max);

        var names = new uint[max + 1];
        for (var i = 0; i < names.Length; i++)
            names[i] = RegName.Sint(i);
        var m = TestMachine.Create(arch);
        var ok = Cpu.Issue(m.Vp, Words.Control(Code.GetVpRegisters, repCount: max), true,
            Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names[..max]), 16 * max);
        Assert.Equal(St.Success, ok.Status);
        Assert.Equal(max, ok.Reps);

        var tooBig = Cpu.Issue(m.Vp, Words.Control(Code.GetVpRegisters, repCount: max + 1), true,
            Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, names), 0);
        Assert.Equal(St.InvalidHypercallInput, tooBig.Status);
        Assert.Equal(0, tooBig.Reps);
    }

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();
}
