using System;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>HvCallPostMessage and HvCallSignalEvent as issued (facts §8).</summary>
public sealed class PostMessageIssuingTests
{
    [Fact]
    public void PostMessageWritesTheInputAtOffset0AndPassesTheInputPageGpa()
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        hypercalls.Pages.Input.Span.Fill(0xCC);
        byte[] payload = [.. Enumerable.Range(1, 40).Select(i => (byte)i)];
        hypercalls.PostMessage(new HvConnectionId(0x0000_0004), 1, payload);

        var call = Assert.Single(fake.Calls);
        Assert.Equal(Issuer.InputGpa, call[2]);
        Assert.Equal(0UL, call[3]);
        Assert.Equal(0x8000_005CUL, call[1]);
        var page = hypercalls.Pages.Input.Span;
        Assert.Equal(4u, PostMessageInput.ConnectionId(page));
        Assert.Equal(0u, PostMessageInput.Reserved(page));
        Assert.Equal(1u, PostMessageInput.MessageType(page));
        Assert.Equal(40u, PostMessageInput.PayloadSize(page));
        Assert.True(page.Slice(16, 40).SequenceEqual(payload));
        Assert.True(page.Slice(56, 200).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(page[256..].IndexOfAnyExcept((byte)0xCC) < 0);
    }

    [Theory]
    [InlineData(241)]
    [InlineData(4096)]
    public void OversizedPayloadThrowsAndIssuesNothing(int length)
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        Assert.Throws<ArgumentException>(() => hypercalls.PostMessage(new HvConnectionId(4), 1, new byte[length]));
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public void MaximumPayloadIsIssued()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.PostMessage(new HvConnectionId(4), 1, new byte[240]);
        Assert.Single(fake.Calls);
        Assert.Equal(240u, PostMessageInput.PayloadSize(hypercalls.Pages.Input.Span));
    }

    [Fact]
    public void PostMessageReturnsTheHypervisorStatus()
    {
        var hypercalls = Issuer.Create(out _, responder: (ref HypercallRegisters r) => r[0] = (ulong)HvStatus.InsufficientBuffers);
        var result = hypercalls.PostMessage(new HvConnectionId(4), 1, [1]);
        Assert.Equal(HvStatus.InsufficientBuffers, result.Status);
        Assert.Equal(0x13, (int)result.Status);
    }

    [Fact]
    public void SignalEventPassesConnectionAndFlagInRdx()
    {
        var hypercalls = Issuer.Create(out var fake, nestedRoot: true);
        hypercalls.SignalEvent(new HvConnectionId(0x00AB_CDEF), 0x1234);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(0x8001_005DUL, call[1]);
        Assert.Equal(0x0000_1234_00AB_CDEFUL, call[2]);
        Assert.Equal(0UL, call[3]);
    }

    [Fact]
    public void SignalEventDefaultFlagIsZero()
    {
        var hypercalls = Issuer.Create(out var fake);
        hypercalls.SignalEvent(new HvConnectionId(7));
        Assert.Equal(7UL, Assert.Single(fake.Calls)[2]);
    }
}
