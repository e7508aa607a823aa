using System;
using HvCall.Abi;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// Extended fast calls (facts §5): input in the fast block (slot 2 + i), output in the slots after the
/// input rounded up to 16 bytes; 14 qwords on x64, 16 on ARM64.
/// </summary>
public sealed class FastExtendedTests
{
    /// <summary>Writes a marker 0xA000 + slot into every slot from 2 up, as a hypervisor writing fast output.</summary>
    private static void MarkEverySlot(ref HypercallRegisters registers)
    {
        for (var slot = 2; slot < HypercallRegisters.Count; slot++)
            registers[slot] = 0xA000UL + (ulong)slot;
        registers[0] = 0;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 6)]
    [InlineData(11, 12)]
    public void OutputStartsAfterTheInputRoundedUpTo16Bytes(int inputQwords, int outputStart)
    {
        var hypercalls = Issuer.Create(out var fake, responder: MarkEverySlot);
        var input = new ulong[inputQwords];
        for (var i = 0; i < input.Length; i++)
            input[i] = 0x100UL + (ulong)i;
        var output = new ulong[2];
        hypercalls.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, input, output);

        var call = Assert.Single(fake.Calls);
        for (var i = 0; i < inputQwords; i++)
            Assert.Equal(0x100UL + (ulong)i, call[2 + i]);
        Assert.Equal(0xA000UL + 2 + (ulong)outputStart, output[0]);
        Assert.Equal(0xA000UL + 3 + (ulong)outputStart, output[1]);
        Assert.True(call.Control().IsFast);
    }

    [Theory]
    [InlineData(HvArchitecture.X64, 13, 1)]
    [InlineData(HvArchitecture.X64, 12, 3)]
    [InlineData(HvArchitecture.X64, 15, 0)]
    [InlineData(HvArchitecture.X64, 0, 15)]
    [InlineData(HvArchitecture.Arm64, 15, 1)]
    [InlineData(HvArchitecture.Arm64, 17, 0)]
    [InlineData(HvArchitecture.Arm64, 14, 3)]
    public void TooLargeBlockThrowsBeforeAnyCall(HvArchitecture architecture, int inputQwords, int outputQwords)
    {
        var hypercalls = Issuer.Create(out var fake, architecture: architecture);
        Assert.Throws<ArgumentException>(() =>
            hypercalls.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, new ulong[inputQwords], new ulong[outputQwords]));
        Assert.Empty(fake.Calls);
    }

    [Theory]
    [InlineData(HvArchitecture.X64, 12, 2)]
    [InlineData(HvArchitecture.X64, 14, 0)]
    [InlineData(HvArchitecture.Arm64, 14, 2)]
    [InlineData(HvArchitecture.Arm64, 16, 0)]
    [InlineData(HvArchitecture.Arm64, 13, 2)]
    public void BlockThatExactlyFitsIsIssued(HvArchitecture architecture, int inputQwords, int outputQwords)
    {
        var hypercalls = Issuer.Create(out var fake, architecture: architecture, responder: MarkEverySlot);
        var input = new ulong[inputQwords];
        input.AsSpan().Fill(0x77);
        var output = new ulong[outputQwords];
        hypercalls.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, input, output);
        var call = Assert.Single(fake.Calls);
        for (var i = 0; i < inputQwords; i++)
            Assert.Equal(0x77UL, call[2 + i]);
        if (outputQwords > 0)
            Assert.Equal(0xA000UL + 2 + (ulong)((inputQwords + 1) & ~1), output[0]);
    }

    [Fact]
    public void VariableHeaderAndRepCountReachTheControlWord()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.FastExtended(HvCallCode.FlushVirtualAddressListEx, [1, 2, 3, 4], [], repCount: 2, variableHeaderSize: 1);
        var control = Assert.Single(fake.Calls).Control();
        Assert.Equal(0x14, control.Code.Value);
        Assert.True(control.IsFast);
        Assert.Equal(1, control.VariableHeaderSize);
        Assert.Equal(2, control.RepCount);
        Assert.Equal(0, control.RepStart);
    }

    [Fact]
    public void RepFastExtendedIsContinued()
    {
        var hypercalls = Issuer.Create(out var fake, responder: (ref HypercallRegisters r) =>
        {
            var c = new HypercallControl(r[1]);
            r[0] = new HypercallResult(HvStatus.Success, c.RepStart + 1).Value;
        });
        var result = hypercalls.FastExtended(HvCallCode.FlushVirtualAddressListEx, [1, 2, 3], [], repCount: 3);
        Assert.Equal(3, fake.Calls.Count);
        Assert.Equal(3, result.RepsCompleted);
        Assert.True(result.IsSuccess);
    }

    [Fact]
    public void ResultIsReturned()
    {
        var hypercalls = Issuer.Create(out _, responder: (ref HypercallRegisters r) => r[0] = (ulong)HvStatus.InvalidParameter);
        Assert.Equal(HvStatus.InvalidParameter, hypercalls.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, [1, 2, 3], []).Status);
    }
}
