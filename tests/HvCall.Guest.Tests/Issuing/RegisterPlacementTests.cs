using System;
using HvCall.Abi;
using HvCall.Guest.Gateways;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// Register placement (facts §5): x64 RCX control, RDX input, R8 output, RAX result; ARM64 X0 =
/// 0x46000001 on entry, X1 control, X2 input, X3 output, X0 result.
/// </summary>
public sealed class RegisterPlacementTests
{
    [Fact]
    public void X64SimplePlacesControlInputAndOutputGpas()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.Simple(HvCallCode.GetPartitionId, 0x0000_0000_0012_3000, 0x0000_0000_0045_6008);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0UL, call[0]);
        Assert.Equal(0x46UL, call[1]);
        Assert.Equal(0x12_3000UL, call[2]);
        Assert.Equal(0x45_6008UL, call[3]);
    }

    [Fact]
    public void SimpleWithoutGpasUsesThePages()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.Simple(HvCallCode.GetPartitionId);
        var call = Assert.Single(fake.Calls);
        Assert.Equal((Issuer.InputGpa, Issuer.OutputGpa), (call[2], call[3]));
    }

    [Fact]
    public void SimpleVariableHeaderGoesToBits26To17()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.Simple(HvCallCode.FlushVirtualAddressSpaceEx, 0x1000, 0, variableHeaderSize: 3);
        Assert.Equal(0x13UL | (3UL << 17), Assert.Single(fake.Calls)[1]);
    }

    [Fact]
    public void X64Fast8PutsTheInputInRdxAndSetsTheFastBit()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.Fast8(HvCallCode.NotifyLongSpinWait, 0xDEAD_BEEF_0000_0001);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x1_0008UL, call[1]);
        Assert.Equal(0xDEAD_BEEF_0000_0001UL, call[2]);
        Assert.Equal(0UL, call[3]);
    }

    [Fact]
    public void X64Fast16PutsTheInputInRdxAndR8()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.Fast16(HvCallCode.SendSyntheticClusterIpi, 0x11, 0x22);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x1_000BUL, call[1]);
        Assert.Equal((0x11UL, 0x22UL), (call[2], call[3]));
    }

    [Fact]
    public void ResultComesFromTheResultSlot()
    {
        var hypercalls = Issuer.Create(out _, responder: (ref HypercallRegisters r) => r[0] = 0x0000_0000_0000_0012);
        Assert.Equal(HvStatus.InvalidConnectionId, hypercalls.Simple(HvCallCode.PostMessage, 0x1000, 0).Status);
        Assert.Equal(HvStatus.InvalidConnectionId, hypercalls.Fast8(HvCallCode.SignalEvent, 1).Status);
        Assert.Equal(HvStatus.InvalidConnectionId, hypercalls.Fast16(HvCallCode.SignalEvent, 1, 0).Status);
    }

    public static TheoryData<string> Arm64Functions() =>
        ["Simple", "Fast8", "Fast16", "FastExtended", "Rep", "PostMessage", "SignalEvent", "GetVpRegister", "SetVpRegister", "Query"];

    [Theory]
    [MemberData(nameof(Arm64Functions))]
    public void Arm64EntersWithTheSmcccFunctionIdAndControlInX1(string function)
    {
        var hypercalls = Issuer.Create(out var fake, architecture: HvArchitecture.Arm64,
            responder: (ref HypercallRegisters r) =>
            {
                // On a continued rep call X0 must again hold the function id, not the last result.
                Assert.Equal(0x4600_0001UL, r[0]);
                var control = new HypercallControl(r[1]);
                r[0] = new HypercallResult(HvStatus.Success, Math.Min(control.RepStart + 1, control.RepCount)).Value;
            });
        ushort code = function switch
        {
            "Simple" => Issue(() => hypercalls.Simple(HvCallCode.GetPartitionId, 0x1000, 0x2000), 0x46),
            "Fast8" => Issue(() => hypercalls.Fast8(HvCallCode.SignalEvent, 7), 0x5D),
            "Fast16" => Issue(() => hypercalls.Fast16(HvCallCode.DisconnectPort, 1, 2), 0x5B),
            "FastExtended" => Issue(() => hypercalls.FastExtended(HvCallCode.FlushVirtualAddressListEx, [1, 2, 3, 4, 5], [], repCount: 3), 0x14),
            "Rep" => Issue(() => hypercalls.Rep(HvCallCode.FlushVirtualAddressList, 3), 0x03),
            "PostMessage" => Issue(() => hypercalls.PostMessage(new(1), 1, [1]), 0x5C),
            "SignalEvent" => Issue(() => hypercalls.SignalEvent(new(1)), 0x5D),
            "GetVpRegister" => Issue(() => hypercalls.GetVpRegister(0x0009_0003, out _), 0x50),
            "SetVpRegister" => Issue(() => hypercalls.SetVpRegister(0x0009_0002, 1), 0x51),
            _ => Issue(() => hypercalls.QueryExtendedCapabilities(out _), 0x8001),
        };
        Assert.NotEmpty(fake.Calls);
        foreach (var call in fake.Calls)
        {
            Assert.Equal(0x4600_0001UL, call[0]);
            Assert.Equal(code, call.Control().Code.Value);
            Assert.False(call.Control().IsNested);
        }
    }

    private static ushort Issue(Action issue, ushort code)
    {
        issue();
        return code;
    }

    [Fact]
    public void Arm64MemoryCallPutsGpasInX2AndX3()
    {
        var hypercalls = Issuer.Create(out var fake, architecture: HvArchitecture.Arm64);
        hypercalls.Simple(HvCallCode.GetPartitionId, 0x3000, 0x4000);
        var call = Assert.Single(fake.Calls);
        Assert.Equal((0x46UL, 0x3000UL, 0x4000UL), (call[1], call[2], call[3]));
    }

    [Fact]
    public void Arm64RefusesANestedRoutingTable()
    {
        var table = NestedRouting.Create(Issuer.NestedRoot);
        var fake = new RecordingHypercallInstruction(HvArchitecture.Arm64);
        Assert.Throws<NotSupportedException>(() => new Hypercalls(fake, table, HypercallPages.CreateManaged(0)));
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public void Arm64HasNoParentView()
    {
        var hypercalls = Issuer.Create(out _, architecture: HvArchitecture.Arm64);
        Assert.Throws<NotSupportedException>(() => hypercalls.ToParent);
        Assert.Same(hypercalls, hypercalls.ToThisHypervisor);
        Assert.Equal(16, hypercalls.FastCapacity);
        Assert.Equal(HvArchitecture.Arm64, hypercalls.Architecture);
    }

    [Fact]
    public void X64FastCapacityIs14Qwords()
    {
        var hypercalls = Issuer.Create(out _);
        Assert.Equal(14, hypercalls.FastCapacity);
        Assert.Equal(HvArchitecture.X64, hypercalls.Architecture);
    }

    [Fact]
    public void ConstructorRejectsNulls()
    {
        var pages = HypercallPages.CreateManaged(0);
        var fake = new RecordingHypercallInstruction();
        Assert.Throws<ArgumentNullException>(() => new Hypercalls(null!, NestedRouting.None, pages));
        Assert.Throws<ArgumentNullException>(() => new Hypercalls(fake, null!, pages));
        Assert.Throws<ArgumentNullException>(() => new Hypercalls(fake, NestedRouting.None, null!));
    }
}
