using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// One-register HvCallGetVpRegisters / HvCallSetVpRegisters and HvExtCallQueryCapabilities. ARM64 uses
/// the Linux arm64 hv_core.c convention: fast, X2 partition self, X3 VP self, X4 name, X5 0, value in
/// X6:X7. x64 goes through the input and output pages.
/// </summary>
public sealed class VpRegisterTests
{
    private const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;
    private const ulong VpIndexSelf = 0xFFFF_FFFE;

    [Fact]
    public void Arm64GetReadsTheValueFromX6AndX7()
    {
        var hypercalls = Issuer.Create(out var fake, architecture: HvArchitecture.Arm64, responder: (ref HypercallRegisters r) =>
        {
            r[6] = 0x1111_2222_3333_4444;
            r[7] = 0x5555_6666_7777_8888;
            r[0] = new HypercallResult(HvStatus.Success, 1).Value;
        });
        var result = hypercalls.GetVpRegister(0x000A_0013, out var value);
        Assert.True(result.IsSuccess);
        Assert.Equal(new UInt128(0x5555_6666_7777_8888, 0x1111_2222_3333_4444), value);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x0000_0001_0001_0050UL, call[1]);
        Assert.Equal((PartitionSelf, VpIndexSelf, 0x000A_0013UL), (call[2], call[3], call[4]));
    }

    [Fact]
    public void Arm64SetWritesNameInX4AndValueInX6X7()
    {
        var hypercalls = Issuer.Create(out var fake, architecture: HvArchitecture.Arm64);
        var value = new UInt128(0xAAAA_0000_0000_0002, 0xBBBB_0000_0000_0001);
        Assert.True(hypercalls.SetVpRegister(0x000A_0010, value).IsSuccess);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x0000_0001_0001_0051UL, call[1]);
        Assert.Equal((PartitionSelf, VpIndexSelf, 0x000A_0010UL, 0UL), (call[2], call[3], call[4], call[5]));
        Assert.Equal((0xBBBB_0000_0000_0001UL, 0xAAAA_0000_0000_0002UL), (call[6], call[7]));
    }

    [Fact]
    public void FailedGetReturnsZero()
    {
        var hypercalls = Issuer.Create(out _, architecture: HvArchitecture.Arm64, responder: (ref HypercallRegisters r) =>
        {
            r[6] = 0xFFFF;
            r[0] = (ulong)HvStatus.InvalidParameter;
        });
        Assert.Equal(HvStatus.InvalidParameter, hypercalls.GetVpRegister(0x000A_0000, out var value).Status);
        Assert.Equal(UInt128.Zero, value);
    }

    [Fact]
    public void X64GetWritesTheInputPageAndReadsTheOutputPage()
    {
        HypercallPages? pages = null;
        var hypercalls = Issuer.Create(out var fake, responder: (ref HypercallRegisters r) =>
        {
            var output = pages!.OutputArea(0, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(output, 0x0102_0304_0506_0708);
            BinaryPrimitives.WriteUInt64LittleEndian(output[8..], 0x1112_1314_1516_1718);
            r[0] = new HypercallResult(HvStatus.Success, 1).Value;
        });
        pages = hypercalls.Pages;
        Assert.True(hypercalls.GetVpRegister(0x0009_0003, out var value).IsSuccess);
        Assert.Equal(new UInt128(0x1112_1314_1516_1718, 0x0102_0304_0506_0708), value);

        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x0000_0001_0000_0050UL, call[1]);
        Assert.Equal((Issuer.InputGpa, Issuer.OutputGpa), (call[2], call[3]));
        var input = pages.InputArea(0, 24);
        Assert.Equal(PartitionSelf, BinaryPrimitives.ReadUInt64LittleEndian(input));
        Assert.Equal((uint)VpIndexSelf, BinaryPrimitives.ReadUInt32LittleEndian(input[8..]));
        Assert.Equal(0x0009_0003u, BinaryPrimitives.ReadUInt32LittleEndian(input[16..]));
    }

    [Fact]
    public void X64SetWritesHeaderAndAssociationToTheInputPage()
    {
        var hypercalls = Issuer.Create(out var fake);
        Assert.True(hypercalls.SetVpRegister(0x0009_0002, new UInt128(0x22, 0x11)).IsSuccess);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x0000_0001_0000_0051UL, call[1]);
        Assert.Equal(Issuer.InputGpa, call[2]);
        var input = hypercalls.Pages.InputArea(0, 48);
        Assert.Equal(PartitionSelf, BinaryPrimitives.ReadUInt64LittleEndian(input));
        Assert.Equal(VpIndexSelf, BinaryPrimitives.ReadUInt64LittleEndian(input[8..]));
        Assert.Equal(0x0009_0002UL, BinaryPrimitives.ReadUInt64LittleEndian(input[16..]));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(input[24..]));
        Assert.Equal(0x11UL, BinaryPrimitives.ReadUInt64LittleEndian(input[32..]));
        Assert.Equal(0x22UL, BinaryPrimitives.ReadUInt64LittleEndian(input[40..]));
    }

    [Fact]
    public void QueryCapabilitiesReadsOneQwordFromTheOutputPage()
    {
        HypercallPages? pages = null;
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true, responder: (ref HypercallRegisters r) =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(pages!.OutputArea(0, 8), 0x0000_0000_0000_0003);
            r[0] = 0;
        });
        pages = hypercalls.Pages;
        Assert.True(hypercalls.QueryExtendedCapabilities(out var capabilities).IsSuccess);
        Assert.Equal(3UL, capabilities);
        var call = Assert.Single(fake.Calls);
        Assert.Equal((0x8001UL, 0UL, Issuer.OutputGpa), (call[1], call[2], call[3]));
    }

    [Fact]
    public void FailedQueryReportsNoCapabilities()
    {
        HypercallPages? pages = null;
        var hypercalls = Issuer.Create(out _, responder: (ref HypercallRegisters r) =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(pages!.OutputArea(0, 8), 0xFF);
            r[0] = (ulong)HvStatus.AccessDenied;
        });
        pages = hypercalls.Pages;
        Assert.Equal(HvStatus.AccessDenied, hypercalls.QueryExtendedCapabilities(out var capabilities).Status);
        Assert.Equal(0UL, capabilities);
    }
}
