using FsCheck.Fluent;
using HvCall.Abi.Messages;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Words;

/// <summary>
/// SignalEventInput (facts §8: ConnectionId 31:0, FlagNumber 47:32, reserved 63:48) and
/// HvConnectionId (24-bit id, high 8 bits reserved).
/// </summary>
public sealed class MessageWordPropertyTests
{
    [Fact]
    public void SignalEventInputRawValueRoundTrips() => Deterministic.Check(Prop.ForAll(Deterministic.UInt64, v =>
    {
        var input = new SignalEventInput(v);
        Assert.Equal(v, input.Value);
        Assert.Equal(Bits.Get(v, 31, 0), (ulong)input.ConnectionId.Value);
        Assert.Equal(Bits.Get(v, 47, 32), (ulong)input.FlagNumber);
        Assert.Equal(Bits.Get(v, 63, 48), (ulong)input.Reserved);
        var rebuilt = new SignalEventInput(input.ConnectionId, input.FlagNumber).Value | ((ulong)input.Reserved << 48);
        Assert.Equal(v, rebuilt);
    }));

    [Fact]
    public void SignalEventInputConstructorPlacesFieldsAndLeavesReservedZero() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt32, Deterministic.UInt16, (connection, flag) =>
        {
            var input = new SignalEventInput(new HvConnectionId(connection), flag);
            Assert.Equal(connection | ((ulong)flag << 32), input.Value);
            Assert.Equal(connection, input.ConnectionId.Value);
            Assert.Equal(flag, input.FlagNumber);
            Assert.Equal(0, input.Reserved);
        }));

    [Fact]
    public void SignalEventInputExample()
    {
        var input = new SignalEventInput(new HvConnectionId(0x11), 3);
        Assert.Equal(0x0000_0003_0000_0011UL, input.Value);
    }

    [Fact]
    public void ConnectionIdSplitsIdAndReservedBits() => Deterministic.Check(Prop.ForAll(Deterministic.UInt32, v =>
    {
        var id = new HvConnectionId(v);
        Assert.Equal(v, id.Value);
        Assert.Equal(v & 0x00FF_FFFFu, id.Id);
        Assert.Equal((v >> 24) != 0, id.HasReservedBits);
    }));

    [Theory]
    [InlineData(0x0000_0004u, 0x04u, false, "0x000004")]
    [InlineData(0x00FF_FFFFu, 0xFF_FFFFu, false, "0xFFFFFF")]
    [InlineData(0x0100_0000u, 0u, true, "0x1000000")]
    [InlineData(0x8000_0001u, 1u, true, "0x80000001")]
    public void ConnectionIdExamples(uint value, uint id, bool reserved, string text)
    {
        var connection = new HvConnectionId(value);
        Assert.Equal(id, connection.Id);
        Assert.Equal(reserved, connection.HasReservedBits);
        Assert.Equal(text, connection.ToString());
    }
}
