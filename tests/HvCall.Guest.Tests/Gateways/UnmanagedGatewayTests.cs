using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest.Gateways;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Gateways;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UnmanagedStubCollection
{
    public const string Name = "Unmanaged hypercall stubs";
}

/// <summary>
/// The unmanaged gateway against [UnmanagedCallersOnly] stubs standing in for a hypercall page:
/// <c>entry(control, input, output)</c> and <c>block_entry(control, block)</c>. The stubs keep what
/// they saw in static fields, so these tests never run in parallel.
/// </summary>
[Collection(UnmanagedStubCollection.Name)]
public sealed unsafe class UnmanagedGatewayTests
{
    private static ulong s_control;
    private static ulong s_input;
    private static ulong s_output;
    private static int s_entryCalls;
    private static int s_blockCalls;
    private static readonly ulong[] s_block = new ulong[16];

    public UnmanagedGatewayTests()
    {
        s_control = s_input = s_output = 0;
        s_entryCalls = s_blockCalls = 0;
        Array.Clear(s_block);
    }

    /// <summary>Records its arguments; answers status = low 16 bits of input XOR output, reps completed = rep count.</summary>
    [UnmanagedCallersOnly]
    private static ulong Entry(ulong control, ulong input, ulong output)
    {
        s_control = control;
        s_input = input;
        s_output = output;
        s_entryCalls++;
        return ((input ^ output) & 0xFFFF) | (control & 0x0000_0FFF_0000_0000);
    }

    /// <summary>Records the 16-qword block, then writes 0xB10C0000 + i into every qword as fast output.</summary>
    [UnmanagedCallersOnly]
    private static ulong BlockEntry(ulong control, ulong* block)
    {
        s_control = control;
        s_blockCalls++;
        for (var i = 0; i < 16; i++)
        {
            s_block[i] = block[i];
            block[i] = 0xB10C_0000UL + (ulong)i;
        }
        return (ulong)HvStatus.Success | (control & 0x0000_0FFF_0000_0000);
    }

    private static UnmanagedHypercallGateway Gateway(HvArchitecture architecture = HvArchitecture.X64, bool withBlock = false) =>
        new(architecture, &Entry, withBlock ? &BlockEntry : null);

    private static Hypercalls Issue(UnmanagedHypercallGateway gateway, bool nestedRoot) =>
        new(gateway, NestedRouting.Create(nestedRoot ? Issuer.NestedRoot : Issuer.Flat), HypercallPages.CreateManaged(0x20_0000));

    [Theory]
    [InlineData(true, 0x8000_005CUL)]
    [InlineData(false, 0x0000_005CUL)]
    public void PostMessagePassesControlInputGpaAndOutput(bool nestedRoot, ulong control)
    {
        var hypercalls = Issue(Gateway(), nestedRoot);
        var result = hypercalls.PostMessage(new HvConnectionId(4), 1, [1, 2]);
        Assert.Equal(1, s_entryCalls);
        Assert.Equal(control, s_control);
        Assert.Equal(0x20_0000UL, s_input);
        Assert.Equal(0UL, s_output);
        Assert.True(result.IsSuccess);
        Assert.Equal(4u, PostMessageInput.ConnectionId(hypercalls.Pages.Input.Span));
    }

    [Theory]
    [InlineData(true, 0x8001_005DUL)]
    [InlineData(false, 0x0001_005DUL)]
    public void FastSignalEventReachesTheEntryWithItsNestedBitAndStatusComesBack(bool nestedRoot, ulong control)
    {
        var hypercalls = Issue(Gateway(), nestedRoot);
        var result = hypercalls.SignalEvent(new HvConnectionId(0x12), 3);
        Assert.Equal(control, s_control);
        Assert.Equal(0x0000_0003_0000_0012UL, s_input);
        Assert.Equal(0UL, s_output);
        Assert.Equal(HvStatus.InvalidConnectionId, result.Status);
    }

    [Fact]
    public void SimpleCallResultIsComputedFromTheArguments()
    {
        var hypercalls = Issue(Gateway(), nestedRoot: false);
        var result = hypercalls.Simple(HvCallCode.GetPartitionId, 0x1000, 0x1018);
        Assert.Equal((0x46UL, 0x1000UL, 0x1018UL), (s_control, s_input, s_output));
        Assert.Equal((HvStatus)0x0018, result.Status);
    }

    [Fact]
    public void RepCallCompletesThroughTheEntry()
    {
        var hypercalls = Issue(Gateway(), nestedRoot: false);
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, 5, 0x3000, 0x3000);
        Assert.Equal(1, s_entryCalls);
        Assert.Equal(0x0000_0005_0000_0003UL, s_control);
        Assert.True(result.IsSuccess);
        Assert.Equal(5, result.RepsCompleted);
    }

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void FastExtendedGoesThroughTheBlockEntry(HvArchitecture architecture)
    {
        var hypercalls = Issue(Gateway(architecture, withBlock: true), nestedRoot: false);
        var output = new ulong[2];
        var result = hypercalls.FastExtended(HvCallCode.FlushVirtualAddressSpaceEx, [0x11, 0x22, 0x33], output, variableHeaderSize: 1);
        Assert.Equal(0, s_entryCalls);
        Assert.Equal(1, s_blockCalls);
        Assert.Equal(0x13UL | (1UL << 16) | (1UL << 17), s_control);
        Assert.Equal([0x11UL, 0x22UL, 0x33UL, 0UL], s_block[..4]);
        // Three input qwords round up to four; output starts at block qword 4.
        Assert.Equal([0xB10C_0004UL, 0xB10C_0005UL], output);
        Assert.True(result.IsSuccess);
    }

    [Fact]
    public void NestedFastCallThroughTheBlockEntryKeepsBit31()
    {
        var hypercalls = Issue(Gateway(withBlock: true), nestedRoot: true);
        hypercalls.SignalEvent(new HvConnectionId(5), 1);
        Assert.Equal(1, s_blockCalls);
        Assert.Equal(0x8001_005DUL, s_control);
        Assert.Equal(0x0000_0001_0000_0005UL, s_block[0]);
    }

    [Fact]
    public void MemoryCallsUseTheEntryEvenWithABlockEntry()
    {
        var hypercalls = Issue(Gateway(withBlock: true), nestedRoot: true);
        hypercalls.PostMessage(new HvConnectionId(4), 1, []);
        Assert.Equal((1, 0), (s_entryCalls, s_blockCalls));
        Assert.Equal(0x8000_005CUL, s_control);
    }

    [Fact]
    public void GatewayReportsArchitectureAndBlockEntry()
    {
        Assert.False(Gateway().HasBlockEntry);
        Assert.True(Gateway(withBlock: true).HasBlockEntry);
        Assert.Equal(HvArchitecture.Arm64, Gateway(HvArchitecture.Arm64).Architecture);
    }

    [Fact]
    public void NullEntryThrows() =>
        Assert.Throws<ArgumentNullException>(() => new UnmanagedHypercallGateway(HvArchitecture.X64, null));

    [Fact]
    public void Arm64GatewayRefusesNestedRouting() =>
        Assert.Throws<NotSupportedException>(() => Issue(Gateway(HvArchitecture.Arm64), nestedRoot: true));
}
