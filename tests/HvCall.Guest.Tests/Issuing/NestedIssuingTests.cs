using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// The nested bit comes from the routing table inside every issuing function (facts §9): the same call
/// site issues nested words on a nested root and plain ones elsewhere, and no path loses bit 31.
/// </summary>
public sealed class NestedIssuingTests
{
    /// <summary>A VMBus-style call site that knows nothing about nesting.</summary>
    private static void SignalHost(Hypercalls hypercalls)
    {
        hypercalls.PostMessage(new HvConnectionId(4), HvMessageType.VmBus, [1, 2, 3]);
        hypercalls.SignalEvent(new HvConnectionId(0x11), 3);
    }

    [Fact]
    public void SameCallSiteIsNestedOnANestedRoot()
    {
        SignalHost(Issuer.Create(out var fake, nestedRoot: true));
        Assert.Equal([0x8000_005CUL, 0x8001_005DUL], fake.Controls.Select(c => c.Value));
    }

    [Fact]
    public void SameCallSiteIsPlainWhenFlat()
    {
        SignalHost(Issuer.Create(out var fake, nestedRoot: false));
        Assert.Equal([0x0000_005CUL, 0x0001_005DUL], fake.Controls.Select(c => c.Value));
    }

    [Fact]
    public void FastSignalEventKeepsTheNestedBit()
    {
        // Upstream Linux's hv_do_fast_hypercall8 takes a 16-bit code and drops bit 31 here.
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        hypercalls.SignalEvent(new HvConnectionId(1));
        hypercalls.Fast8(HvCallCode.SignalEvent, 1);
        Assert.All(fake.Controls, c => Assert.Equal(0x8001_005DUL, c.Value));
        Assert.Equal(0x8000_005CUL, hypercalls.ControlFor(HvCallCode.PostMessage).Value);
    }

    /// <summary>Every issuing function with a call code it uses.</summary>
    private static readonly Dictionary<string, (ushort Code, Action<Hypercalls> Issue)> Functions = new()
    {
        ["Simple"] = (0x0046, h => h.Simple(HvCallCode.GetPartitionId)),
        ["SimpleGpa"] = (0x0046, h => h.Simple(HvCallCode.GetPartitionId, 0x1000, 0x2000)),
        ["Fast8"] = (0x0008, h => h.Fast8(HvCallCode.NotifyLongSpinWait, 1)),
        ["Fast16"] = (0x000B, h => h.Fast16(HvCallCode.SendSyntheticClusterIpi, 1, 2)),
        ["FastExtended"] = (0x0013, h => h.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, [1, 2, 3], [], variableHeaderSize: 1)),
        ["FastExtendedRep"] = (0x0014, h => h.FastExtended(HvCallCode.FlushVirtualAddressListEx, [1, 2, 3], [], repCount: 2)),
        ["Rep"] = (0x0003, h => h.Rep(HvCallCode.FlushVirtualAddressList, 3)),
        ["RepGpa"] = (0x0003, h => h.Rep(HvCallCode.FlushVirtualAddressList, 3, 0x1000, 0x2000)),
        ["PostMessage"] = (0x005C, h => h.PostMessage(new HvConnectionId(1), 1, [])),
        ["SignalEvent"] = (0x005D, h => h.SignalEvent(new HvConnectionId(1))),
        ["GetVpRegister"] = (0x0050, h => h.GetVpRegister(0x0009_0003, out _)),
        ["SetVpRegister"] = (0x0051, h => h.SetVpRegister(0x0009_0002, 5)),
        ["PostMessageDirect"] = (0x00C1, h => h.PostMessageDirect(2, 0, 0, 2, 1, [])),
        ["SignalEventDirect"] = (0x00C0, h => h.SignalEventDirect(2, 0, 0, 2, 0, out _)),
        ["CreatePort"] = (0x0095, h => h.CreatePort(0xFFFF_FFFF_FFFF_FFFF, 0x10, 2, HvPortInfo.Message(2, 0))),
        ["ConnectPort"] = (0x0096, h => h.ConnectPort(2, 0x2001, 0xFFFF_FFFF_FFFF_FFFF, 0x10, HvPortType.Message)),
        ["DeletePort"] = (0x0058, h => h.DeletePort(0xFFFF_FFFF_FFFF_FFFF, 0x10)),
        ["DisconnectPort"] = (0x005B, h => h.DisconnectPort(2, 0x2001)),
    };

    public static TheoryData<string> FunctionNames() => [.. Functions.Keys];

    private static RoutingConfiguration Only(params ushort[] codes) =>
        Issuer.NestedRoot with { NestedCodes = [.. codes.Select(c => new HvCallCode(c))] };

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void FunctionSetsTheBitWhenItsCodeIsInTheTable(string function)
    {
        var (code, issue) = Functions[function];
        issue(Issuer.Create(out var fake, Only(code)));
        Assert.NotEmpty(fake.Calls);
        Assert.All(fake.Controls, c => Assert.True(c.IsNested && c.Code.Value == code, $"{function}: {c}"));
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void FunctionLeavesTheBitClearWhenOnlyOtherCodesAreInTheTable(string function)
    {
        var (code, issue) = Functions[function];
        var others = Enumerable.Range(0, 512).Select(c => (ushort)c).Where(c => c != code).ToArray();
        issue(Issuer.Create(out var fake, Only(others)));
        Assert.NotEmpty(fake.Calls);
        Assert.All(fake.Controls, c => Assert.False(c.IsNested, $"{function}: {c}"));
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void FunctionIsNeverNestedWhenFlat(string function)
    {
        Functions[function].Issue(Issuer.Create(out var fake));
        Assert.NotEmpty(fake.Calls);
        Assert.All(fake.Controls, c => Assert.False(c.IsNested, $"{function}: {c}"));
    }

    [Fact]
    public void ExtendedQueryIsNeverNestedEvenToTheParent()
    {
        var hypercalls = Issuer.Create(out var fake, Only([.. Enumerable.Range(0, 512).Select(c => (ushort)c)]));
        hypercalls.QueryExtendedCapabilities(out _);
        hypercalls.ToParent.QueryExtendedCapabilities(out _);
        hypercalls.ToParent.Simple(HvCallCode.ExtQueryCapabilities, 0, 0);
        Assert.Equal(3, fake.Calls.Count);
        Assert.All(fake.Controls, c => Assert.Equal(0x8001UL, c.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ToParentNestsANormalCodeOutsideTheNestedSet(bool nestedRoot)
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot);
        hypercalls.ToParent.Simple(HvCallCode.GetPartitionId);
        hypercalls.ToParent.Rep(HvCallCode.GetVpRegisters, 1);
        hypercalls.Simple(HvCallCode.GetPartitionId);
        Assert.Equal([0x8000_0046UL, 0x0000_0001_8000_0050UL, 0x46UL], fake.Controls.Select(c => c.Value));
    }

    [Fact]
    public void ToThisHypervisorClearsTheBitOnTheNestedSet()
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        hypercalls.ToThisHypervisor.PostMessage(new HvConnectionId(4), 1, [9]);
        hypercalls.ToThisHypervisor.SignalEvent(new HvConnectionId(4));
        Assert.Equal([0x5CUL, 0x1_005DUL], fake.Controls.Select(c => c.Value));
        Assert.False(hypercalls.ToThisHypervisor.Routing.IsEnabled);
    }

    [Fact]
    public void ViewsShareTheInstructionAndPages()
    {
        var hypercalls = Issuer.Create(out _, nestedRoot: true);
        Assert.Same(hypercalls.Pages, hypercalls.ToParent.Pages);
        Assert.Same(hypercalls.Pages, hypercalls.ToThisHypervisor.Pages);
        Assert.Same(hypercalls.ToParent, hypercalls.ToParent.ToParent);
        Assert.Same(hypercalls.ToThisHypervisor, hypercalls.ToParent.ToThisHypervisor);
        var flat = Issuer.Create(out _);
        Assert.Same(flat, flat.ToThisHypervisor);
    }

    [Fact]
    public void ViewsOfViewsTargetWhatTheirNameSays()
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        hypercalls.ToParent.ToThisHypervisor.SignalEvent(new HvConnectionId(4));
        hypercalls.ToThisHypervisor.ToParent.Simple(HvCallCode.GetPartitionId);
        Assert.Equal([0x1_005DUL, 0x8000_0046UL], fake.Controls.Select(c => c.Value));
    }

    [Fact]
    public void ControlForIsTheCodeOrTheRoutedBit()
    {
        var nested = Issuer.Create(out _, nestedRoot: true);
        var flat = Issuer.Create(out _);
        for (var code = 0; code <= 0xFFFF; code++)
        {
            var expectedNested = code is 0x5C or 0x5D;
            Assert.Equal((ulong)(uint)code | (expectedNested ? 1UL << 31 : 0), nested.ControlFor((ushort)code).Value);
            Assert.Equal((ulong)code, flat.ControlFor((ushort)code).Value);
        }
    }

    [Fact]
    public void RoutingPropertyIsTheTableInForce()
    {
        var table = NestedRouting.Create(Issuer.NestedRoot with { NestedCodes = ImmutableArray.Create(new HvCallCode(0x46)) });
        var hypercalls = new Hypercalls(new HvCall.Guest.Gateways.RecordingHypercallInstruction(), table, HypercallPages.CreateManaged(0));
        Assert.Same(table, hypercalls.Routing);
    }
}
