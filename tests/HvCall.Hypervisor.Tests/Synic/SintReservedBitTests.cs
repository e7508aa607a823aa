using HvCall.Abi;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// SINTn reserved bits (TLFS "SINTx Registers": bits 15:8 and 63:19 are RsvdP, preserved). Linux sets bit 19
/// (<c>as_intercept</c>) and bit 20 (<c>proxy</c>) in real code, so a write with reserved bits is accepted and
/// reads back exactly as written, through WRMSR on x64 and through HvCallSetVpRegisters (fast and slow) on
/// ARM64. Only an unmasked vector below 16 (facts §7: vector 16–255) is refused: #GP on the MSR path,
/// INVALID_PARAMETER (0x5) at that rep on the register path, and the register keeps its value.
/// </summary>
public sealed class SintReservedBitTests
{
    private const ulong SintReset = 0x10000;

    /// <summary>Values with reserved bits set, each a valid write.</summary>
    private static readonly ulong[] AcceptedValues =
    [
        0x0000_0000_0018_00F3, // bits 19 (as_intercept) and 20 (proxy), unmasked vector 0xF3
        0x0000_0000_0008_0030, // bit 19 alone
        0x0000_0000_0010_0030, // bit 20 alone
        0x0000_0000_001B_0040, // bits 19 and 20, masked, auto EOI, vector 0x40
        0x0000_0000_0019_0000, // bits 19 and 20, masked, vector 0
        0x0000_0000_0018_A5F3, // bits 19 and 20 and 15:8 = 0xA5
        0x8000_0000_0018_0050, // bit 63 and bits 19, 20
        0xFFFF_FFFF_FFF8_FF30, // every reserved bit, unmasked vector 0x30
    ];

    /// <summary>Unmasked vectors below 16, with and without reserved bits: each a faulting write.</summary>
    private static readonly ulong[] RefusedValues =
    [
        0x0000_0000_0000_000F,
        0x0000_0000_0018_000F,
        0xFFFF_FFFF_FFF8_FF0F,
        0x0000_0000_0018_0000,
    ];

    public static TheoryData<ulong> Accepted => new(AcceptedValues);

    public static TheoryData<ulong> Refused => new(RefusedValues);

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Wrmsr_with_reserved_sint_bits_is_accepted_and_reads_back_exactly(ulong value)
    {
        var m = TestMachine.Create(HvArchitecture.X64);

        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Sint(4), value));

        Assert.Equal(VpFault.None, m.Hv.ReadMsr(m.Vp, Msr.Sint(4), out var read));
        Assert.Equal(value, read);
        Assert.Equal(value, m.Vp.Synic.Sint(4).Value);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Wrmsr_with_an_unmasked_vector_below_16_is_GP_and_leaves_the_register(ulong value)
    {
        var m = TestMachine.Create(HvArchitecture.X64);

        Assert.Equal(VpFault.GeneralProtection, m.Hv.WriteMsr(m.Vp, Msr.Sint(4), value));

        Assert.Equal(VpFault.None, m.Hv.ReadMsr(m.Vp, Msr.Sint(4), out var read));
        Assert.Equal(SintReset, read);
    }

    public static TheoryData<ulong, bool> AcceptedFastAndSlow => WithModes(AcceptedValues);

    public static TheoryData<ulong, bool> RefusedFastAndSlow => WithModes(RefusedValues);

    [Theory]
    [MemberData(nameof(AcceptedFastAndSlow))]
    public void Arm64_SetVpRegisters_with_reserved_sint_bits_is_accepted_and_reads_back_exactly(ulong value, bool fast)
    {
        var m = TestMachine.Create(HvArchitecture.Arm64);

        var set = Set(m, fast, RegName.Sint(4), value);
        Assert.Equal((St.Success, 1), (set.Status, set.Reps));

        var get = Get(m, fast, RegName.Sint(4));
        Assert.Equal((St.Success, 1), (get.Status, get.Reps));
        Assert.Equal(value, Inputs.OutputQword(get.Output, 0));
        Assert.Equal(value, m.Vp.Synic.Sint(4).Value);
    }

    [Theory]
    [MemberData(nameof(RefusedFastAndSlow))]
    public void Arm64_SetVpRegisters_with_an_unmasked_vector_below_16_is_invalid_parameter_and_leaves_the_register(ulong value, bool fast)
    {
        var m = TestMachine.Create(HvArchitecture.Arm64);

        var set = Set(m, fast, RegName.Sint(4), value);
        Assert.Equal((St.InvalidParameter, 0), (set.Status, set.Reps));

        var get = Get(m, fast, RegName.Sint(4));
        Assert.Equal(SintReset, Inputs.OutputQword(get.Output, 0));
    }

    [Theory]
    [MemberData(nameof(AcceptedFastAndSlow))]
    public void X64_msr_and_register_paths_agree_on_reserved_sint_bits(ulong value, bool fast)
    {
        var m = TestMachine.Create(HvArchitecture.X64);

        // WRMSR, then HvCallGetVpRegisters.
        Assert.Equal(VpFault.None, m.Hv.WriteMsr(m.Vp, Msr.Sint(6), value));
        var get = Get(m, fast, RegName.Sint(6));
        Assert.Equal((St.Success, value), (get.Status, Inputs.OutputQword(get.Output, 0)));

        // HvCallSetVpRegisters, then RDMSR.
        var set = Set(m, fast, RegName.Sint(7), value);
        Assert.Equal((St.Success, 1), (set.Status, set.Reps));
        Assert.Equal(VpFault.None, m.Hv.ReadMsr(m.Vp, Msr.Sint(7), out var read));
        Assert.Equal(value, read);
    }

    private static Outcome Set(TestMachine m, bool fast, uint name, ulong value) =>
        Cpu.Issue(m.Vp, Words.Control(Code.SetVpRegisters, repCount: 1), fast,
            Inputs.SetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, (name, value)), 0);

    private static Outcome Get(TestMachine m, bool fast, uint name) =>
        Cpu.Issue(m.Vp, Words.Control(Code.GetVpRegisters, repCount: 1), fast,
            Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, name), 16);

    private static TheoryData<ulong, bool> WithModes(ulong[] values)
    {
        var data = new TheoryData<ulong, bool>();
        foreach (var value in values)
            foreach (var fast in Abis.Modes)
                data.Add(value, fast);
        return data;
    }
}
