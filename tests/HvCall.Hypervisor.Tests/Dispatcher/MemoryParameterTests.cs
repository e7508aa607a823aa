using System;
using System.Collections.Generic;
using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Dispatcher;

/// <summary>A memory-parameter case: where input and output go, and the status.</summary>
internal sealed record MemoryCase(ulong Control, int InputLength, Func<VirtualProcessor, ulong> InputGpa, Func<VirtualProcessor, ulong> OutputGpa,
    ushort Expected, HvPartitionPrivileges Privileges = PartitionConfiguration.GuestDefault);

/// <summary>
/// Memory parameter rules (facts §5/§6, TLFS "Memory parameters"): GPAs 8-byte aligned, a parameter area
/// must not cross a 4 KiB page or leave guest memory, input and output must not overlap; each is
/// INVALID_ALIGNMENT. OpenVMM's <c>test_alignment_and_straddling</c> expects 0x3 for a straddling list;
/// HvCall follows the TLFS (0x4). Slow calls only, on both architectures.
/// </summary>
public sealed class MemoryParameterTests
{
    private const int Page = TestMachine.Page;
    private static ulong In(VirtualProcessor vp) => TestMachine.InputPage(vp);
    private static ulong Out(VirtualProcessor vp) => TestMachine.OutputPage(vp);

    // FlushVirtualAddressSpace: 24-byte input, no output. GetVpRegisters with 2 reps: 24-byte input, 32-byte output.
    private static readonly ulong Flush = Words.Control(Code.FlushVirtualAddressSpace);
    private static readonly ulong GetRegs2 = Words.Control(Code.GetVpRegisters, repCount: 2);

    internal static readonly Dictionary<string, MemoryCase> Cases = new()
    {
        ["ok input at page start"] = new(Flush, 24, In, _ => 0, St.Success),
        ["ok input ending exactly at page end"] = new(Flush, 24, vp => In(vp) + Page - 24, _ => 0, St.Success),
        ["ok input at offset 8"] = new(Flush, 24, vp => In(vp) + 8, _ => 0, St.Success),
        ["ok output ending exactly at page end"] = new(GetRegs2, 24, In, vp => Out(vp) + Page - 32, St.Success),
        ["ok output adjacent after input"] = new(GetRegs2, 24, In, vp => In(vp) + 24, St.Success),
        ["ok output adjacent before input"] = new(GetRegs2, 24, vp => In(vp) + 32, In, St.Success),
        ["ok output GPA ignored when the call has no output"] = new(Flush, 24, In, _ => 0xFFFF_FFFF_FFFF_FFF3, St.Success),
        ["ok input GPA ignored when the call has no input"] = new(Words.Control(Code.GetPartitionId), 0, _ => 0xFFFF_FFFF_FFFF_FFF5, Out, St.Success),

        ["input GPA at offset 4"] = new(Flush, 24, vp => In(vp) + 4, _ => 0, St.InvalidAlignment),
        ["input GPA at offset 1"] = new(Flush, 24, vp => In(vp) + 1, _ => 0, St.InvalidAlignment),
        ["output GPA at offset 4"] = new(GetRegs2, 24, In, vp => Out(vp) + 4, St.InvalidAlignment),
        ["input list crossing a page (page end - 8, 24 bytes)"] = new(Flush, 24, vp => In(vp) + Page - 8, _ => 0, St.InvalidAlignment),
        ["input list crossing a page (page end - 16, 24 bytes)"] = new(Flush, 24, vp => In(vp) + Page - 16, _ => 0, St.InvalidAlignment),
        ["output list crossing a page (page end - 16, 32 bytes)"] = new(GetRegs2, 24, In, vp => Out(vp) + Page - 16, St.InvalidAlignment),
        ["PostMessage input at page end - 8"] = new(Words.Control(Code.PostMessage), 256, vp => In(vp) + Page - 8, _ => 0, St.InvalidAlignment),
        ["input GPA outside guest memory"] = new(Flush, 24, _ => TestMachine.MemorySize, _ => 0, St.InvalidAlignment),
        ["input GPA far outside guest memory"] = new(Flush, 24, _ => 0x8000_0000_0000_0000, _ => 0, St.InvalidAlignment),
        ["input ending past guest memory"] = new(Flush, 24, _ => TestMachine.MemorySize - 16, _ => 0, St.InvalidAlignment),
        ["output GPA outside guest memory"] = new(GetRegs2, 24, In, _ => TestMachine.MemorySize + Page, St.InvalidAlignment),
        ["input and output identical"] = new(GetRegs2, 24, In, In, St.InvalidAlignment),
        ["output overlapping the input tail"] = new(GetRegs2, 24, In, vp => In(vp) + 16, St.InvalidAlignment),
        ["output overlapping the input head"] = new(GetRegs2, 24, vp => In(vp) + 24, In, St.InvalidAlignment),

        // Earlier checks win: privilege (0x6), then the control word (0x3), before memory (0x4).
        ["misaligned input without privilege"] = new(Words.Control(Code.PostMessage), 256, vp => In(vp) + 4, _ => 0, St.AccessDenied,
            PartitionConfiguration.GuestDefault & ~HvPartitionPrivileges.PostMessages),
        ["misaligned input with a bad control word"] = new(Words.Control(Code.FlushVirtualAddressSpace, repCount: 1), 24, vp => In(vp) + 4, _ => 0, St.InvalidHypercallInput),
        ["input outside memory on an unknown code"] = new(0xFFFF, 24, _ => 0x8000_0000_0000_0000, _ => 0, St.InvalidHypercallCode),
    };

    public static TheoryData<string, HvArchitecture> Rows => Abis.CasesPerArch(Cases.Keys);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Memory_parameter_case_returns_the_documented_status(string name, HvArchitecture arch)
    {
        var c = Cases[name];
        var m = TestMachine.Create(arch, c.Privileges);
        var vp = m.Vp;
        var inGpa = c.InputGpa(vp);
        var outGpa = c.OutputGpa(vp);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, RegName.Sint(0), RegName.Sint(1));
        if (Words.Status(c.Control) != Code.GetVpRegisters)
            input = new byte[c.InputLength];
        if (c.InputLength > 0 && vp.Partition.Memory.Contains(inGpa, c.InputLength))
            Assert.True(vp.Partition.Memory.TryWrite(inGpa, input.AsSpan(0, c.InputLength)));
        var ip = Cpu.Ip(vp);

        var exit = Cpu.Hvcall(vp, c.Control, inGpa, outGpa);

        Assert.Equal(HypercallExitKind.Completed, exit.Kind);
        Assert.Equal(c.Expected, Words.Status(Cpu.Result(vp)));
        Assert.Equal(ip + (ulong)Cpu.InstructionLength(arch), Cpu.Ip(vp));
        if (c.Expected != St.Success)
        {
            Assert.Equal(0, Words.RepsCompleted(Cpu.Result(vp)));
            Assert.Empty(m.Hv.Record.Flushes);
        }
        else if (Words.Status(c.Control) == Code.FlushVirtualAddressSpace)
        {
            Assert.Single(m.Hv.Record.Flushes);
        }
    }

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Rejected_output_area_is_left_untouched(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        TestMachine.Fill(vp, Out(vp), 2 * Page);
        var input = Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, RegName.Sint(0), RegName.Sint(1));
        Assert.True(vp.Partition.Memory.TryWrite(In(vp), input));

        foreach (var outGpa in (ulong[])[Out(vp) + 4, Out(vp) + Page - 16])
        {
            Cpu.Hvcall(vp, GetRegs2, In(vp), outGpa);
            Assert.Equal(St.InvalidAlignment, Words.Status(Cpu.Result(vp)));
        }
        Assert.All(TestMachine.Read(vp, Out(vp), 2 * Page), b => Assert.Equal(TestMachine.Pattern, b));
    }

    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();
}
