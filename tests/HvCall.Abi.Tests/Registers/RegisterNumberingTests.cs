using System;
using System.Linq;
using HvCall.Abi.Registers;
using Xunit;

namespace HvCall.Abi.Tests.Registers;

/// <summary>SynIC register numbering on x64 (MSRs) and ARM64 (register names), facts §7.</summary>
public sealed class SynicRegisterTests
{
    public static TheoryData<int> Sints() => [.. Enumerable.Range(0, 16)];

    [Theory]
    [MemberData(nameof(Sints))]
    public void SintMapsToMsr0x40000090PlusNAndName0xA0000PlusN(int n)
    {
        var register = SynicRegisters.Sint(n);
        Assert.Equal(n, (int)register);
        Assert.True(register.IsSint());
        Assert.Equal(0x4000_0090u + (uint)n, register.X64Msr());
        Assert.Equal(0x000A_0000u + (uint)n, register.Arm64Name());
        Assert.Equal(0x4000_0090u + (uint)n, HvX64Msr.Sint(n));
        Assert.True(register.HasNestedMsr());
    }

    [Theory]
    [InlineData(SynicRegister.Scontrol, 0x4000_0080u, 0x000A_0010u, true)]
    [InlineData(SynicRegister.Sversion, 0x4000_0081u, 0x000A_0011u, true)]
    [InlineData(SynicRegister.Siefp, 0x4000_0082u, 0x000A_0012u, true)]
    [InlineData(SynicRegister.Simp, 0x4000_0083u, 0x000A_0013u, true)]
    [InlineData(SynicRegister.Eom, 0x4000_0084u, 0x000A_0014u, true)]
    [InlineData(SynicRegister.Sirbp, 0x4000_0085u, 0x000A_0015u, false)]
    public void ControlRegistersMapToFactsNumbers(SynicRegister register, uint msr, uint name, bool hasNested)
    {
        Assert.False(register.IsSint());
        Assert.Equal(msr, register.X64Msr());
        Assert.Equal(name, register.Arm64Name());
        Assert.Equal(hasNested, register.HasNestedMsr());
    }

    [Fact]
    public void EveryRegisterHasDistinctNumbers()
    {
        var all = Enum.GetValues<SynicRegister>();
        Assert.Equal(22, all.Length);
        Assert.Equal(all.Length, all.Select(r => r.X64Msr()).Distinct().Count());
        Assert.Equal(all.Length, all.Select(r => r.Arm64Name()).Distinct().Count());
    }

    [Fact]
    public void Arm64RegisterNameConstants()
    {
        Assert.Equal(0x0009_0002u, HvRegisterName.GuestOsId);
        Assert.Equal(0x0009_0003u, HvRegisterName.VpIndex);
        Assert.Equal(0x000A_0000u, HvRegisterName.Sint0);
        Assert.Equal(0x000A_000Fu, HvRegisterName.Sint15);
        Assert.Equal(0x000A_0010u, HvRegisterName.Scontrol);
        Assert.Equal(0x000A_0011u, HvRegisterName.Sversion);
        Assert.Equal(0x000A_0012u, HvRegisterName.Siefp);
        Assert.Equal(0x000A_0013u, HvRegisterName.Simp);
        Assert.Equal(0x000A_0014u, HvRegisterName.Eom);
        Assert.Equal(0x000A_0015u, HvRegisterName.Sirbp);
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, HvRegisterName.PartitionSelf);
        Assert.Equal(0xFFFF_FFFEu, HvRegisterName.VpIndexSelf);
    }
}

/// <summary>Synthetic MSR numbers, facts §7, including the nested SynIC MSRs (normal + 0x1000).</summary>
public sealed class HvX64MsrTests
{
    [Fact]
    public void ArchitecturalMsrs()
    {
        Assert.Equal(0x4000_0000u, HvX64Msr.GuestOsId);
        Assert.Equal(0x4000_0001u, HvX64Msr.Hypercall);
        Assert.Equal(0x4000_0002u, HvX64Msr.VpIndex);
        Assert.Equal(0x4000_0080u, HvX64Msr.Scontrol);
        Assert.Equal(0x4000_0081u, HvX64Msr.Sversion);
        Assert.Equal(0x4000_0082u, HvX64Msr.Siefp);
        Assert.Equal(0x4000_0083u, HvX64Msr.Simp);
        Assert.Equal(0x4000_0084u, HvX64Msr.Eom);
        Assert.Equal(0x4000_0085u, HvX64Msr.Sirbp);
        Assert.Equal(0x4000_0090u, HvX64Msr.Sint0);
        Assert.Equal(0x4000_009Fu, HvX64Msr.Sint15);
    }

    [Fact]
    public void NestedSynicMsrs()
    {
        Assert.Equal(0x1000u, HvX64Msr.NestedOffset);
        Assert.Equal(0x4000_1080u, HvX64Msr.NestedScontrol);
        Assert.Equal(0x4000_1081u, HvX64Msr.NestedSversion);
        Assert.Equal(0x4000_1082u, HvX64Msr.NestedSiefp);
        Assert.Equal(0x4000_1083u, HvX64Msr.NestedSimp);
        Assert.Equal(0x4000_1084u, HvX64Msr.NestedEom);
        Assert.Equal(0x4000_1090u, HvX64Msr.NestedSint0);
        Assert.Equal(0x4000_1002u, HvX64Msr.NestedVpIndex);
    }

    [Theory]
    [InlineData(0, 0x4000_00B0u, 0x4000_00B1u)]
    [InlineData(1, 0x4000_00B2u, 0x4000_00B3u)]
    [InlineData(2, 0x4000_00B4u, 0x4000_00B5u)]
    [InlineData(3, 0x4000_00B6u, 0x4000_00B7u)]
    public void SyntheticTimerMsrs(int n, uint config, uint count)
    {
        Assert.Equal(config, HvX64Msr.StimerConfig(n));
        Assert.Equal(count, HvX64Msr.StimerCount(n));
    }
}
