using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Guest.Gateways;
using HvCall.Guest.Tests.Support;
using Xunit;

namespace HvCall.Guest.Tests.Issuing;

/// <summary>
/// Rep continuation (facts §2, §5): re-issue while reps completed is below the rep count, with the rep
/// start set to reps completed (absolute), stop at the first failure, retry TIMEOUT.
/// </summary>
public sealed class RepContinuationTests
{
    private const int RepCount = 10;

    /// <summary>A hypervisor that completes <paramref name="perCall"/> reps per call with the given status once done, absolute counts.</summary>
    private static HypercallResponder CompletesPerCall(int perCall, HvStatus partialStatus = HvStatus.Success) =>
        (ref HypercallRegisters r) =>
        {
            var control = new HypercallControl(r[HypercallRegisters.Control]);
            var done = Math.Min(control.RepStart + perCall, control.RepCount);
            r[HypercallRegisters.Result] = new HypercallResult(done < control.RepCount ? partialStatus : HvStatus.Success, done).Value;
        };

    /// <summary>A hypervisor that replays a script of (status, reps completed) answers.</summary>
    private static HypercallResponder Script(params (HvStatus Status, int Reps)[] answers)
    {
        var queue = new Queue<(HvStatus, int)>(answers);
        return (ref HypercallRegisters r) =>
        {
            var (status, reps) = queue.Dequeue();
            r[HypercallRegisters.Result] = new HypercallResult(status, reps).Value;
        };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void CallsResumeAtRepsCompletedUntilAllRepsAreDone(int perCall)
    {
        var hypercalls = Issuer.Create(out var fake, responder: CompletesPerCall(perCall));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);

        Assert.True(result.IsSuccess);
        Assert.Equal(RepCount, result.RepsCompleted);
        var controls = fake.Controls.ToList();
        Assert.Equal((RepCount + perCall - 1) / perCall, controls.Count);
        for (var i = 0; i < controls.Count; i++)
        {
            Assert.Equal(Math.Min(i * perCall, RepCount), controls[i].RepStart);
            Assert.Equal(RepCount, controls[i].RepCount);
            Assert.Equal(0x0003, controls[i].Code.Value);
            Assert.False(controls[i].HasReservedBits);
        }
    }

    [Fact]
    public void EveryContinuationKeepsGpasAndTheNestedBit()
    {
        var hypercalls = Issuer.Create(out var fake, Issuer.NestedRoot with { NestedCodes = [HvCallCode.GetVpRegisters] },
            responder: CompletesPerCall(3));
        hypercalls.Rep(HvCallCode.GetVpRegisters, 7, 0x5000, 0x6000);
        Assert.Equal(3, fake.Calls.Count);
        Assert.All(fake.Calls, call =>
        {
            Assert.True(call.Control().IsNested);
            Assert.Equal((0x5000UL, 0x6000UL), (call[2], call[3]));
        });
    }

    [Fact]
    public void FailureStopsAtOnce()
    {
        var hypercalls = Issuer.Create(out var fake, responder: Script((HvStatus.InvalidParameter, 4)));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Single(fake.Calls);
        Assert.Equal(HvStatus.InvalidParameter, result.Status);
        Assert.Equal(4, result.RepsCompleted);
    }

    [Fact]
    public void FailureAfterProgressStopsAtOnce()
    {
        var hypercalls = Issuer.Create(out var fake, responder: Script((HvStatus.Success, 4), (HvStatus.AccessDenied, 6)));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Equal([0, 4], fake.Controls.Select(c => c.RepStart));
        Assert.Equal(HvStatus.AccessDenied, result.Status);
        Assert.Equal(6, result.RepsCompleted);
    }

    [Fact]
    public void TimeoutWithProgressIsRetried()
    {
        var hypercalls = Issuer.Create(out var fake, responder: CompletesPerCall(3, HvStatus.Timeout));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Equal([0, 3, 6, 9], fake.Controls.Select(c => c.RepStart));
        Assert.True(result.IsSuccess);
        Assert.Equal(RepCount, result.RepsCompleted);
    }

    [Fact]
    public void StalledTimeoutIsRetriedThenProgressContinues()
    {
        var hypercalls = Issuer.Create(out var fake, responder: Script(
            (HvStatus.Timeout, 0), (HvStatus.Timeout, 0), (HvStatus.Timeout, 2), (HvStatus.Timeout, 2), (HvStatus.Success, 4)));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, 4);
        Assert.Equal([0, 0, 0, 2, 2], fake.Controls.Select(c => c.RepStart));
        Assert.True(result.IsSuccess);
        Assert.Equal(4, result.RepsCompleted);
    }

    [Fact]
    public void TimeoutWithoutProgressIsEventuallyReturned()
    {
        var hypercalls = Issuer.Create(out var fake, responder: (ref HypercallRegisters r) =>
            r[HypercallRegisters.Result] = new HypercallResult(HvStatus.Timeout, 2).Value);
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Equal(HvStatus.Timeout, result.Status);
        Assert.Equal(2, result.RepsCompleted);
        // One call that progressed to 2, then MaxStalledRetries retries and the stall that gives up.
        Assert.Equal(Hypercalls.MaxStalledRetries + 2, fake.Calls.Count);
        Assert.All(fake.Controls.Skip(1), c => Assert.Equal(2, c.RepStart));
    }

    [Fact]
    public void SuccessWithoutProgressIsReturned()
    {
        var hypercalls = Issuer.Create(out var fake, responder: (ref HypercallRegisters r) =>
            r[HypercallRegisters.Result] = new HypercallResult(HvStatus.Success, 0).Value);
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Single(fake.Calls);
        Assert.True(result.IsSuccess);
        Assert.Equal(0, result.RepsCompleted);
    }

    [Fact]
    public void SuccessThatStopsProgressingIsReturned()
    {
        var hypercalls = Issuer.Create(out var fake, responder: Script((HvStatus.Success, 4), (HvStatus.Success, 4)));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Equal(2, fake.Calls.Count);
        Assert.Equal(4, result.RepsCompleted);
    }

    [Fact]
    public void RepStartIsAbsoluteNotRelative()
    {
        // A hypervisor answering with absolute counts: 4, then 7 (not 3), then 10.
        var hypercalls = Issuer.Create(out var fake, responder: Script((HvStatus.Success, 4), (HvStatus.Success, 7), (HvStatus.Success, 10)));
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, RepCount);
        Assert.Equal([0, 4, 7], fake.Controls.Select(c => c.RepStart));
        Assert.Equal(RepCount, result.RepsCompleted);
    }

    [Fact]
    public void FullRepCountCompletesInOneCallWithTheDefaultResponder()
    {
        var hypercalls = Issuer.Create(out var fake);
        var result = hypercalls.Rep(HvCallCode.FlushVirtualAddressList, 0xFFF);
        Assert.Single(fake.Calls);
        Assert.Equal(0x0000_0FFF_0000_0003UL, fake.Controls.Single().Value);
        Assert.Equal(0xFFF, result.RepsCompleted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(0x1000)]
    public void RepCountOutside1To4095Throws(int count)
    {
        var hypercalls = Issuer.Create(out var fake);
        Assert.Throws<ArgumentOutOfRangeException>(() => hypercalls.Rep(HvCallCode.FlushVirtualAddressList, count));
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public void DefaultResponderCompletesEveryRep()
    {
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Control] = 0x0000_0005_0000_0050;
        RecordingHypercallInstruction.SucceedAll(ref registers);
        Assert.Equal(0x0000_0005_0000_0000UL, registers[HypercallRegisters.Result]);
    }
}
