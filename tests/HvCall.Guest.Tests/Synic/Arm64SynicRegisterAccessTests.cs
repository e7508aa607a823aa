using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Registers;
using HvCall.Guest.Synic;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Synic;

/// <summary>
/// ARM64 SynIC access through fast HvCallGetVpRegisters/HvCallSetVpRegisters with the ARM64 register
/// names (facts §5, §7): partition self in X2, VP self in X3, name in X4; values in X6:X7.
/// </summary>
public sealed class Arm64SynicRegisterAccessTests
{
    public static TheoryData<SynicRegister, uint> Names()
    {
        var data = new TheoryData<SynicRegister, uint>
        {
            { SynicRegister.Scontrol, 0x000A_0010 },
            { SynicRegister.Sversion, 0x000A_0011 },
            { SynicRegister.Siefp, 0x000A_0012 },
            { SynicRegister.Simp, 0x000A_0013 },
            { SynicRegister.Eom, 0x000A_0014 },
            { SynicRegister.Sirbp, 0x000A_0015 },
        };
        for (var n = 0; n < 16; n++)
            data.Add((SynicRegister)n, 0x000A_0000 + (uint)n);
        return data;
    }

    private static void AnswerGetWithValue(ref HypercallRegisters registers)
    {
        var control = new HypercallControl(registers[HypercallRegisters.Control]);
        // The value: low qword is the register name plus a marker, in X6; X7 high qword.
        registers[6] = 0xABCD_0000_0000_0000 | registers[4];
        registers[7] = 0x1111;
        registers[HypercallRegisters.Result] = new HypercallResult(HvStatus.Success, control.RepCount).Value;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadIssuesFastGetVpRegistersWithTheArm64Name(SynicRegister register, uint name)
    {
        var access = SynicRegisterAccess.ForArm64(Issuer.Create(out var fake, architecture: HvArchitecture.Arm64, responder: AnswerGetWithValue));
        Assert.Equal(0xABCD_0000_0000_0000 | name, access.Read(register));
        var call = Assert.Single(fake.Calls);
        var control = call.Control();
        Assert.Equal(HvCallCode.GetVpRegisters, control.Code);
        Assert.True(control.IsFast);
        Assert.False(control.IsNested);
        Assert.Equal(1, control.RepCount);
        Assert.Equal(0x4600_0001UL, call[0]);
        Assert.Equal((0xFFFF_FFFF_FFFF_FFFFUL, 0xFFFF_FFFEUL, (ulong)name), (call[2], call[3], call[4]));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void WriteIssuesFastSetVpRegistersWithTheArm64Name(SynicRegister register, uint name)
    {
        var access = SynicRegisterAccess.ForArm64(Issuer.Create(out var fake, architecture: HvArchitecture.Arm64));
        access.Write(register, 0x0123_4567_89AB_CDEF);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(HvCallCode.SetVpRegisters, call.Control().Code);
        Assert.True(call.Control().IsFast);
        Assert.Equal((ulong)name, call[4]);
        Assert.Equal(0UL, call[5]);
        Assert.Equal((0x0123_4567_89AB_CDEFUL, 0UL), (call[6], call[7]));
    }

    [Fact]
    public void NonNestedAccessUsesTheSameHypercalls()
    {
        var access = SynicRegisterAccess.ForArm64(Issuer.Create(out var fake, architecture: HvArchitecture.Arm64, responder: AnswerGetWithValue));
        Assert.True(access.TryReadNonNested(SynicRegister.Sint2, out var value));
        Assert.Equal(0xABCD_0000_000A_0002UL, value);
        Assert.True(access.TryWriteNonNested(SynicRegister.Sint2, 5));
        Assert.Equal([HvCallCode.GetVpRegisters, HvCallCode.SetVpRegisters], fake.Controls.Select(c => c.Code));
        Assert.All(fake.Controls, c => Assert.False(c.IsNested));
    }

    [Fact]
    public void FailedHypercallMakesTryReadFalseAndReadThrow()
    {
        var access = SynicRegisterAccess.ForArm64(Issuer.Create(out _, architecture: HvArchitecture.Arm64,
            responder: (ref HypercallRegisters r) => r[0] = (ulong)HvStatus.UnknownRegisterName));
        Assert.False(access.TryRead(SynicRegister.Simp, out var value));
        Assert.Equal(0UL, value);
        var error = Assert.Throws<HvGuestException>(() => access.Read(SynicRegister.Simp));
        Assert.Contains("0x000A0013", error.Message, StringComparison.Ordinal);
        Assert.False(access.TryWrite(SynicRegister.Simp, 1));
        Assert.Throws<HvGuestException>(() => access.Write(SynicRegister.Simp, 1));
    }

    [Fact]
    public void Arm64HasNoMsrs()
    {
        var access = SynicRegisterAccess.ForArm64(Issuer.Create(out var fake, architecture: HvArchitecture.Arm64));
        Assert.Equal(HvArchitecture.Arm64, access.Architecture);
        Assert.Throws<NotSupportedException>(() => access.TryReadMsr(0x4000_0080, out _));
        Assert.Throws<NotSupportedException>(() => access.TryWriteMsr(0x4000_0080, 0));
        Assert.Empty(fake.Calls);
    }
}
