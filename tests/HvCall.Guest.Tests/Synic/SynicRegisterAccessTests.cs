using System;
using System.Linq;
using HvCall.Abi.Registers;
using HvCall.Guest.Routing;
using HvCall.Guest.Synic;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Synic;

/// <summary>x64 SynIC register access through a recording MSR fake, nested root and flat (facts §7, §9).</summary>
public sealed class SynicRegisterAccessTests
{
    /// <summary>Every SynIC register with its flat and nested-root MSR, literally from the facts sheet.</summary>
    public static TheoryData<SynicRegister, uint, uint> Registers()
    {
        var data = new TheoryData<SynicRegister, uint, uint>
        {
            { SynicRegister.Scontrol, 0x4000_0080, 0x4000_1080 },
            { SynicRegister.Sversion, 0x4000_0081, 0x4000_1081 },
            { SynicRegister.Siefp, 0x4000_0082, 0x4000_1082 },
            { SynicRegister.Simp, 0x4000_0083, 0x4000_1083 },
            { SynicRegister.Eom, 0x4000_0084, 0x4000_1084 },
            { SynicRegister.Sirbp, 0x4000_0085, 0x4000_0085 },
        };
        for (var n = 0; n < 16; n++)
            data.Add((SynicRegister)n, 0x4000_0090 + (uint)n, 0x4000_1090 + (uint)n);
        return data;
    }

    private static (SynicRegisterAccess Access, RecordingMsrs Msrs) Create(bool nestedRoot)
    {
        var msrs = new RecordingMsrs();
        var routing = SynicMsrRouting.Create(nestedRoot ? Issuer.NestedRoot : Issuer.Flat);
        return (SynicRegisterAccess.ForX64(msrs, routing), msrs);
    }

    [Theory]
    [MemberData(nameof(Registers))]
    public void NestedRootReadAndWriteUseTheNestedMsr(SynicRegister register, uint flat, uint nested)
    {
        var (access, msrs) = Create(nestedRoot: true);
        msrs[flat] = 0x9999;
        msrs[nested] = 0x1234;
        Assert.Equal(0x1234UL, access.Read(register));
        access.Write(register, 0x5678);
        Assert.Equal([new MsrAccess(false, nested, 0), new MsrAccess(true, nested, 0x5678)], msrs.Accesses);
        Assert.Equal(nested, access.MsrFor(register));
        Assert.Equal(flat == nested ? 0x5678UL : 0x9999UL, msrs[flat]);
    }

    [Theory]
    [MemberData(nameof(Registers))]
    public void FlatReadAndWriteUseTheArchitecturalMsr(SynicRegister register, uint flat, uint nested)
    {
        _ = nested;
        var (access, msrs) = Create(nestedRoot: false);
        Assert.True(access.TryRead(register, out _));
        Assert.True(access.TryWrite(register, 7));
        Assert.Equal([new MsrAccess(false, flat, 0), new MsrAccess(true, flat, 7)], msrs.Accesses);
    }

    [Theory]
    [MemberData(nameof(Registers))]
    public void NonNestedAccessNeverRedirects(SynicRegister register, uint flat, uint nested)
    {
        _ = nested;
        var (access, msrs) = Create(nestedRoot: true);
        Assert.True(access.TryReadNonNested(register, out _));
        Assert.True(access.TryWriteNonNested(register, 3));
        Assert.Equal([new MsrAccess(false, flat, 0), new MsrAccess(true, flat, 3)], msrs.Accesses);
    }

    public static TheoryData<uint> UnroutedMsrs() =>
    [
        0x4000_0085, // SIRBP
        0x4000_00B0, 0x4000_00B1, 0x4000_00B2, 0x4000_00B3, // STIMER0/1 CONFIG/COUNT
        0x4000_00B4, 0x4000_00B5, 0x4000_00B6, 0x4000_00B7, // STIMER2/3 CONFIG/COUNT
        0x4000_0000, 0x4000_0001, 0x4000_0002, // GUEST_OS_ID, HYPERCALL, VP_INDEX
    ];

    [Theory]
    [MemberData(nameof(UnroutedMsrs))]
    public void NestedRootLeavesOtherMsrsUnchanged(uint msr)
    {
        var (access, msrs) = Create(nestedRoot: true);
        Assert.True(access.TryReadMsr(msr, out _));
        Assert.True(access.TryWriteMsr(msr, 1));
        Assert.All(msrs.Accesses, a => Assert.Equal(msr, a.Msr));
        Assert.Equal(2, msrs.Accesses.Count);
    }

    [Fact]
    public void TryReadMsrRoutesSynicMsrsOnANestedRoot()
    {
        var (access, msrs) = Create(nestedRoot: true);
        Assert.True(access.TryReadMsr(0x4000_0092, out _));
        Assert.True(access.TryWriteMsr(0x4000_0084, 0));
        Assert.Equal([0x4000_1092u, 0x4000_1084u], msrs.Accesses.Select(a => a.Msr));
    }

    [Fact]
    public void GeneralProtectionFaultMakesTryReadFalseAndReadThrow()
    {
        var (access, msrs) = Create(nestedRoot: true);
        msrs.Faulting.Add(0x4000_1083);
        Assert.False(access.TryRead(SynicRegister.Simp, out _));
        var read = Assert.Throws<HvGuestException>(() => access.Read(SynicRegister.Simp));
        Assert.Contains("0x40001083", read.Message, StringComparison.Ordinal);
        Assert.False(access.TryWrite(SynicRegister.Simp, 1));
        Assert.Throws<HvGuestException>(() => access.Write(SynicRegister.Simp, 1));
        Assert.True(access.TryReadNonNested(SynicRegister.Simp, out _));
    }

    [Fact]
    public void X64AccessReportsItsArchitecture()
    {
        var (access, _) = Create(nestedRoot: false);
        Assert.Equal(HvCall.Abi.HvArchitecture.X64, access.Architecture);
    }

    [Fact]
    public void NullArgumentsThrow()
    {
        Assert.Throws<ArgumentNullException>(() => SynicRegisterAccess.ForX64(null!, SynicMsrRouting.None));
        Assert.Throws<ArgumentNullException>(() => SynicRegisterAccess.ForX64(new RecordingMsrs(), null!));
        Assert.Throws<ArgumentNullException>(() => SynicRegisterAccess.ForArm64(null!));
    }
}
