using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest.Gateways;
using HvCall.Guest.Routing;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// The root partition's calls as issued: HvCallPostMessageDirect (0xC1, 280-byte slow input) and
/// HvCallSignalEventDirect (0xC0, 16-byte slow input, 8-byte output) from the vmbus-datapath sheet §7, and
/// HvCallCreatePort (0x95, 56 bytes), HvCallConnectPort (0x96, 72 bytes), HvCallDeletePort (0x58) and
/// HvCallDisconnectPort (0x5B) (fast, 16 bytes) in Linux's layouts. None is in the nested set (facts §9).
/// </summary>
public sealed class RootCallIssuingTests
{
    private const ulong PartitionSelf = 0xFFFF_FFFF_FFFF_FFFF;

    private static Hypercalls Create(out RecordingHypercallInstruction fake, HvArchitecture arch, bool nestedRoot = false, HypercallResponder? responder = null)
    {
        var hypercalls = Issuer.Create(out fake, nestedRoot ? Issuer.NestedRoot : RoutingConfiguration.Flat(arch), arch, responder);
        hypercalls.Pages.Input.Span.Fill(0xCC);
        hypercalls.Pages.Output.Span.Fill(0xDD);
        return hypercalls;
    }

    public static TheoryData<HvArchitecture> Archs() => [HvArchitecture.X64, HvArchitecture.Arm64];

    private static ulong ExpectedFunctionSlot(HvArchitecture arch) => arch == HvArchitecture.Arm64 ? 0x4600_0001UL : 0;

    [Theory]
    [MemberData(nameof(Archs))]
    public void PostMessageDirectWrites280BytesAtTheInputPageAndIssuesTheSlowForm(HvArchitecture arch)
    {
        var hypercalls = Create(out var fake, arch);
        byte[] payload = [.. Enumerable.Range(1, 24).Select(i => (byte)(0x40 + i))];

        hypercalls.PostMessageDirect(7, 1, 0, 2, 0x0000_0001, payload);

        var call = Assert.Single(fake.Calls);
        Assert.Equal(ExpectedFunctionSlot(arch), call[0]);
        Assert.Equal(0x00C1UL, call[1]); // slow: fast bit 16 clear, no nested bit
        Assert.Equal(Issuer.InputGpa, call[2]);
        Assert.Equal(0UL, call[3]); // no output
        var page = hypercalls.Pages.Input.Span;
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(page));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page[8..]));
        Assert.Equal(0, page[12]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(page[16..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page[20..])); // message type
        Assert.Equal(24, page[24]); // payload size
        Assert.Equal(0, page[25]); // flags
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(page[28..])); // sender
        Assert.True(page.Slice(36, 24).SequenceEqual(payload));
        Assert.True(page[60..280].IndexOfAnyExcept((byte)0) < 0);
        Assert.True(page[280..].IndexOfAnyExcept((byte)0xCC) < 0);
        Assert.True(hypercalls.Pages.Output.Span.IndexOfAnyExcept((byte)0xDD) < 0);
    }

    [Theory]
    [InlineData(241)]
    [InlineData(4096)]
    public void PostMessageDirectWithAnOversizedPayloadThrowsAndIssuesNothing(int length)
    {
        var hypercalls = Create(out var fake, HvArchitecture.X64);
        Assert.Throws<ArgumentException>(() => hypercalls.PostMessageDirect(7, 0, 0, 2, 1, new byte[length]));
        Assert.Empty(fake.Calls);
    }

    [Theory]
    [InlineData(0x19)] // OBJECT_IN_USE: the slot is busy
    [InlineData(0x06)] // ACCESS_DENIED: not a root partition
    public void PostMessageDirectReturnsTheHypervisorStatus(int status)
    {
        var hypercalls = Create(out _, HvArchitecture.X64, responder: (ref HypercallRegisters r) => r[0] = (ulong)status);
        Assert.Equal(status, (int)hypercalls.PostMessageDirect(7, 0, 0, 2, 1, [1]).Status);
    }

    [Theory]
    [MemberData(nameof(Archs))]
    public void SignalEventDirectWrites16BytesPassesTheOutputPageAndReadsNewlySignaled(HvArchitecture arch)
    {
        HypercallPages? pages = null;
        var fake = new RecordingHypercallInstruction(arch, (ref HypercallRegisters r) =>
        {
            pages!.Output.Span[..8].Clear();
            pages.Output.Span[0] = 1;
            r[0] = 0;
        });
        pages = HypercallPages.CreateManaged(Issuer.InputGpa);
        pages.Input.Span.Fill(0xCC);
        var hypercalls = new Hypercalls(fake, NestedRouting.None, pages);

        var result = hypercalls.SignalEventDirect(PartitionSelf, 3, 0, 5, 0x07FF, out var newly);

        Assert.True(result.IsSuccess);
        Assert.True(newly);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(ExpectedFunctionSlot(arch), call[0]);
        Assert.Equal(0x00C0UL, call[1]);
        Assert.Equal(Issuer.InputGpa, call[2]);
        Assert.Equal(Issuer.OutputGpa, call[3]);
        var page = pages.Input.Span;
        Assert.Equal(PartitionSelf, BinaryPrimitives.ReadUInt64LittleEndian(page));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(page[8..]));
        Assert.Equal(0, page[12]);
        Assert.Equal(5, page[13]);
        Assert.Equal(0x07FF, BinaryPrimitives.ReadUInt16LittleEndian(page[14..]));
        Assert.True(page[16..].IndexOfAnyExcept((byte)0xCC) < 0);
    }

    [Fact]
    public void SignalEventDirectReportsNotNewlySignaledForAZeroByteOrAFailedCall()
    {
        var zero = Create(out _, HvArchitecture.X64, responder: (ref HypercallRegisters r) => r[0] = 0);
        zero.Pages.Output.Span.Clear();
        Assert.True(zero.SignalEventDirect(1, 0, 0, 2, 0, out var newlyZero).IsSuccess);
        Assert.False(newlyZero);

        // A failed simple call writes no output; a stale 1 in the page must not read as newly signaled.
        var failed = Create(out _, HvArchitecture.X64, responder: (ref HypercallRegisters r) => r[0] = 0x18);
        failed.Pages.Output.Span[0] = 1;
        Assert.Equal(0x18, (int)failed.SignalEventDirect(1, 0, 0, 2, 0, out var newlyFailed).Status);
        Assert.False(newlyFailed);
    }

    [Theory]
    [MemberData(nameof(Archs))]
    public void CreatePortWrites56BytesAtTheInputPage(HvArchitecture arch)
    {
        var hypercalls = Create(out var fake, arch);

        hypercalls.CreatePort(PartitionSelf, 0x20, 2, HvPortInfo.Event(targetSint: 3, targetVp: 1, baseFlagNumber: 8, flagCount: 4));

        var call = Assert.Single(fake.Calls);
        Assert.Equal((0x0095UL, Issuer.InputGpa, 0UL), (call[1], call[2], call[3]));
        var page = hypercalls.Pages.Input.Span;
        Assert.Equal(PartitionSelf, BinaryPrimitives.ReadUInt64LittleEndian(page));
        Assert.Equal(0x20u, BinaryPrimitives.ReadUInt32LittleEndian(page[8..]));
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(page[16..]));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(page[24..])); // event port
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(page[32..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page[36..]));
        Assert.Equal(8, BinaryPrimitives.ReadUInt16LittleEndian(page[40..]));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(page[42..]));
        Assert.True(page[56..].IndexOfAnyExcept((byte)0xCC) < 0);
    }

    [Theory]
    [MemberData(nameof(Archs))]
    public void ConnectPortWrites72BytesAtTheInputPage(HvArchitecture arch)
    {
        var hypercalls = Create(out var fake, arch);

        hypercalls.ConnectPort(2, 0x2001, PartitionSelf, 0x10, HvPortType.Message);

        var call = Assert.Single(fake.Calls);
        Assert.Equal((0x0096UL, Issuer.InputGpa, 0UL), (call[1], call[2], call[3]));
        var page = hypercalls.Pages.Input.Span;
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(page));
        Assert.Equal(0x2001u, BinaryPrimitives.ReadUInt32LittleEndian(page[8..]));
        Assert.Equal(PartitionSelf, BinaryPrimitives.ReadUInt64LittleEndian(page[16..]));
        Assert.Equal(0x10u, BinaryPrimitives.ReadUInt32LittleEndian(page[24..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(page[32..])); // message port
        Assert.True(page[56..72].IndexOfAnyExcept((byte)0) < 0);
        Assert.True(page[72..].IndexOfAnyExcept((byte)0xCC) < 0);
    }

    [Theory]
    [MemberData(nameof(Archs))]
    public void DeleteAndDisconnectAreFast16WithThePartitionInTheFirstRegisterAndTheIdInTheSecond(HvArchitecture arch)
    {
        var hypercalls = Create(out var fake, arch);

        hypercalls.DeletePort(PartitionSelf, 0x20);
        hypercalls.DisconnectPort(2, 0x00AB_CDEF);

        Assert.Equal(2, fake.Calls.Count);
        Assert.Equal((ExpectedFunctionSlot(arch), 0x0001_0058UL, PartitionSelf, 0x20UL), (fake.Calls[0][0], fake.Calls[0][1], fake.Calls[0][2], fake.Calls[0][3]));
        Assert.Equal((ExpectedFunctionSlot(arch), 0x0001_005BUL, 2UL, 0x00AB_CDEFUL), (fake.Calls[1][0], fake.Calls[1][1], fake.Calls[1][2], fake.Calls[1][3]));
        Assert.True(hypercalls.Pages.Input.Span.IndexOfAnyExcept((byte)0xCC) < 0); // fast: memory untouched
    }

    /// <summary>Every root-partition function with the code it issues.</summary>
    private static readonly Dictionary<string, (ulong Code, Action<Hypercalls> Issue)> Functions = new()
    {
        ["PostMessageDirect"] = (0x00C1, h => h.PostMessageDirect(2, 0, 0, 2, 1, [1, 2])),
        ["SignalEventDirect"] = (0x00C0, h => h.SignalEventDirect(2, 0, 0, 2, 5, out _)),
        ["CreatePort"] = (0x0095, h => h.CreatePort(PartitionSelf, 0x10, 2, HvPortInfo.Message(2, 0))),
        ["ConnectPort"] = (0x0096, h => h.ConnectPort(2, 0x2001, PartitionSelf, 0x10, HvPortType.Message)),
        ["DeletePort"] = (0x1_0058, h => h.DeletePort(PartitionSelf, 0x10)),
        ["DisconnectPort"] = (0x1_005B, h => h.DisconnectPort(2, 0x2001)),
    };

    public static TheoryData<string> FunctionNames() => [.. Functions.Keys.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void OnANestedRootTheRootCallsCarryNoNestedBitButToParentWouldSetIt(string function)
    {
        var (word, issue) = Functions[function];
        var hypercalls = Create(out var fake, HvArchitecture.X64, nestedRoot: true);
        // The nested-root table holds exactly PostMessage (0x5C) and SignalEvent (0x5D).
        Assert.Equal([(ushort)0x5C, (ushort)0x5D], hypercalls.Routing.Codes.Select(c => c.Value));

        issue(hypercalls);
        issue(hypercalls.ToParent);
        issue(hypercalls.ToThisHypervisor);

        Assert.Equal([word, word | 0x8000_0000UL, word], fake.Controls.Select(c => c.Value));
        var code = (ushort)word;
        Assert.Equal((ulong)code, hypercalls.ControlFor(code).Value);
        Assert.Equal(code | 0x8000_0000UL, hypercalls.ToParent.ControlFor(code).Value);
    }
}
