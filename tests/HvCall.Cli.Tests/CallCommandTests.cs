using System;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall call</c>: one raw hypercall on a fresh simulated machine.</summary>
public sealed class CallCommandTests
{
    // HvCallPostMessage input (256 bytes) with connection id 4 at offset 0.
    // HV_INPUT_POST_MESSAGE: connection id 4 @0, reserved @4, message type 1 @8, payload size 0 @12 (a valid
    // message, so the status comes from resolving the connection, which is checked after the message).
    private static readonly string PostMessageToConnection4 = "04000000" + "00000000" + "01000000" + new string('0', 244 * 2);

    private static System.Text.Json.JsonElement Call(params string[] args)
    {
        var run = CliRunner.Ok(["call", .. args, "--json"]);
        using var json = run.Json();
        return json.RootElement.Clone();
    }

    [Fact]
    public void GetPartitionId_ReturnsTheGuestsId()
    {
        var root = Call("--control", "0x46");
        JsonAssert.Number(root, "status", 0);
        JsonAssert.String(root, "statusName", "HV_STATUS_SUCCESS");
        JsonAssert.String(root, "handledBy", "L0");
        JsonAssert.String(root, "caller", "guest");
        JsonAssert.Number(root, "executions", 1);
        var output = Convert.FromHexString(root.GetProperty("output").GetString()!);
        // L0 creates its root (id 1) first, then the guest (id 2).
        Assert.Equal(2UL, BitConverter.ToUInt64(output, 0));
    }

    [Fact]
    public void GetPartitionId_FlatRootCaller_GetsId1()
    {
        var root = Call("--control", "0x46", "--caller", "root");
        JsonAssert.Number(root, "status", 0);
        JsonAssert.String(root, "caller", "host");
        Assert.Equal(1UL, BitConverter.ToUInt64(Convert.FromHexString(root.GetProperty("output").GetString()!), 0));
    }

    [Fact]
    public void GetPartitionId_Text()
    {
        var text = CliRunner.Ok("call", "--control", "0x46").Stdout;
        Assert.Matches(@"(?m)^handled by\s+L0", text);
        Assert.Contains("HV_STATUS_SUCCESS", text);
        Assert.Contains("0200000000000000", text);
    }

    [Theory]
    [InlineData(new[] { "--control", "0x46", "--privileges", "0" }, 6)]                      // ACCESS_DENIED
    [InlineData(new[] { "--control", "0xFFFF" }, 2)]                                          // INVALID_HYPERCALL_CODE
    [InlineData(new[] { "--control", "0x5C", "--in", "00", "--in-offset", "4" }, 4)]         // input GPA not 8-byte aligned
    [InlineData(new[] { "--control", "0x4000005C" }, 3)]                                      // bit 30: reserved
    [InlineData(new[] { "--control", "0x0800005C" }, 3)]                                      // bit 27: reserved
    [InlineData(new[] { "--control", "0x8000005C" }, 3)]                                      // nested bit on a flat guest: no parent
    [InlineData(new[] { "--arch", "arm64", "--control", "0x46" }, 0)]
    public void Statuses(string[] args, int status)
    {
        var root = Call(args);
        JsonAssert.Number(root, "status", (ulong)status);
        JsonAssert.String(root, "handledBy", "L0");
        Assert.Equal((ulong)status, root.GetProperty("result").GetUInt64() & 0xFFFF);
    }

    [Fact]
    public void NestedBit_FromNestedRoot_IsHandledByL0()
    {
        // L0 has no connection 4 for the L1 VM on a bare call machine: INVALID_CONNECTION_ID from L0.
        var root = Call("--control", "0x8000005C", "--topology", "nested", "--in", PostMessageToConnection4);
        JsonAssert.String(root, "handledBy", "L0");
        JsonAssert.Number(root, "status", 0x12);
        JsonAssert.String(root, "caller", "root");
    }

    [Fact]
    public void WithoutNestedBit_FromNestedRoot_IsHandledByL1()
    {
        var root = Call("--control", "0x5C", "--topology", "nested", "--in", PostMessageToConnection4);
        JsonAssert.String(root, "handledBy", "L1");
        JsonAssert.Number(root, "status", 0x12);
    }

    [Fact]
    public void NestedBit_FromL1Guest_IsInvalidInputOnL1()
    {
        var root = Call("--caller", "guest", "--topology", "nested", "--control", "0x8000005C");
        JsonAssert.String(root, "handledBy", "L1");
        JsonAssert.Number(root, "status", 3);
        JsonAssert.String(root, "caller", "l1-guest");
    }

    [Fact]
    public void Arm64_Arm64NestedRefused()
    {
        CliRunner.UsageError("call", "--arch", "arm64", "--topology", "nested", "--control", "0x46");
    }

    [Theory]
    [InlineData("--control", "0x46", "--in", "zz")]
    [InlineData("--control", "0x46", "--in", "0")]
    [InlineData("--control", "0x46", "--in-offset", "4096")]
    [InlineData("--control", "0x46", "--caller", "admin")]
    [InlineData("--control", "nope")]
    [InlineData("--in", "00")]
    public void BadArguments_AreUsageErrors(params string[] args)
    {
        CliRunner.UsageError(["call", .. args]);
    }

    [Fact]
    public void MissingControl_IsUsageError()
    {
        var run = CliRunner.UsageError("call");
        Assert.Contains("--control", run.Stderr);
    }
}
