using System;
using System.Linq;
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

    // HV_INPUT_GET_VP_REGISTERS (TLFS): PartitionId HV_PARTITION_ID_SELF, VpIndex HV_VP_INDEX_SELF (hyperv-abi.md §5), Vtl 0,
    // then 4-byte register names: HvRegisterGuestOsId 0x00090002 and HvRegisterVpIndex 0x00090003 (§7).
    private const string GetGuestOsIdAndVpIndex = "ffffffffffffffff" + "feffffff00000000" + "02000900" + "03000900";

    [Fact]
    public void RepCall_ShowsEveryOutputElement()
    {
        // Rep count 2 (bits 43:32, §1): two 16-byte register values (HV_REGISTER_VALUE), all 32 bytes shown.
        var root = Call("--control", "0x0000_0002_0000_0050", "--in", GetGuestOsIdAndVpIndex);
        JsonAssert.Number(root, "status", 0);
        JsonAssert.Number(root, "repsCompleted", 2);
        JsonAssert.Number(root, "outputLength", 32);
        JsonAssert.Number(root, "outputOffset", 0);
        JsonAssert.String(root, "outputIn", "memory");
        var output = Convert.FromHexString(root.GetProperty("output").GetString()!);
        Assert.Equal(32, output.Length);
        Assert.NotEqual(0UL, BitConverter.ToUInt64(output, 0));   // the guest identified itself before the call
        Assert.Equal(0UL, BitConverter.ToUInt64(output, 16));     // VP 0's index
    }

    [Fact]
    public void RepCall_FromRepStart_ShowsTheElementsItWrote()
    {
        // Rep start 1 (bits 59:48): only the second element is written, at output + 16; reps completed is absolute (§2).
        var root = Call("--control", "0x0001_0002_0000_0050", "--in", GetGuestOsIdAndVpIndex);
        JsonAssert.Number(root, "repsCompleted", 2);
        JsonAssert.Number(root, "outputLength", 16);
        JsonAssert.Number(root, "outputOffset", 16);
        var text = CliRunner.Ok("call", "--control", "0x0001_0002_0000_0050", "--in", GetGuestOsIdAndVpIndex).Stdout;
        Assert.Matches(@"(?m)^output\s+16 bytes at GPA 0x[0-9A-F]+ \(output \+ 16\)$", text);
    }

    [Fact]
    public void FailedSimpleCall_WritesNoOutput()
    {
        // A simple call writes output only on success (§6).
        var root = Call("--control", "0x46", "--privileges", "0");
        JsonAssert.Number(root, "status", 6);
        JsonAssert.String(root, "output", "");
        Assert.Matches(@"(?m)^output\s+none \(the call wrote no output\)$", CliRunner.Ok("call", "--control", "0x46", "--privileges", "0").Stdout);
    }

    [Fact]
    public void Text_ShowsEveryOutputByte()
    {
        var text = CliRunner.Ok("call", "--control", "0x0000_0002_0000_0050", "--in", GetGuestOsIdAndVpIndex).Stdout;
        Assert.Matches(@"(?m)^output\s+32 bytes at GPA 0x[0-9A-F]+$", text);
        Assert.Matches(@"(?m)^\s+[0-9a-f]{64}$", text);
    }

    [Fact]
    public void Json_CarriesTheControlWord_AndTheReservedBitsValue()
    {
        // Bit 30 is reserved (bits 30:27, §1): INVALID_HYPERCALL_INPUT (§6).
        var root = Call("--control", "0x4000005C");
        JsonAssert.Number(root, "control", 0x4000005C);
        JsonAssert.Number(root, "code", 0x5C);
        JsonAssert.String(root, "name", "HvCallPostMessage");
        JsonAssert.Number(root, "reservedBitsValue", 0x40000000);
        JsonAssert.Bool(root, "nested", false);
        JsonAssert.Bool(root, "fast", false);
        JsonAssert.Number(root, "status", 3);
        var text = CliRunner.Ok("call", "--control", "0x4000005C").Stdout;
        Assert.Matches(@"(?m)^reserved bits\s+0x0000000040000000 \(must be zero\)$", text);
    }

    [Fact]
    public void Json_CarriesEverythingTheTextShows()
    {
        var text = CliRunner.Ok("call", "--control", "0x46").Stdout;
        var root = Call("--control", "0x46");
        // text label -> the JSON fields that carry it
        (string Label, string[] Fields)[] map =
        [
            ("control", ["control", "code", "name", "fast", "nested", "repCount", "repStart"]),
            ("reserved bits", ["reservedBitsValue"]),
            ("caller", ["caller", "callerHypervisor", "vp"]),
            ("handled by", ["handledBy"]),
            ("host", ["host", "hostDescription", "privilegesEnforced"]),
            ("result", ["result"]),
            ("status", ["status", "statusName"]),
            ("reps completed", ["repsCompleted"]),
            ("executions", ["executions"]),
            ("output", ["output", "outputLength", "outputOffset", "outputIn", "outputGpa"]),
        ];
        foreach (var (label, fields) in map)
        {
            Assert.Matches($"(?m)^{label}  ", text);
            foreach (var field in fields)
                Assert.True(root.TryGetProperty(field, out _), $"JSON lacks '{field}' for the text's '{label}'");
        }
        Assert.Equal(map.Length, text.Split('\n').Count(static l => l.Length > 0 && l[0] != ' '));
        JsonAssert.String(root, "callerHypervisor", "L0");
        JsonAssert.String(root, "output", "0200000000000000");
    }

    [Theory]
    [InlineData("0000", "0xFFF")]                  // two bytes at the page's last byte
    [InlineData("00", "4096")]                     // an offset past the page
    public void Input_PastItsPage_IsRefused(string input, string offset)
    {
        var run = CliRunner.UsageError("call", "--control", "0x5C", "--in", input, "--in-offset", offset);
        Assert.Matches("runs past the end of the 4096-byte input page|--in-offset must be 0 to 4095", run.Stderr);
    }

    [Fact]
    public void Input_EndingOnTheLastByte_IsTaken()
    {
        var root = Call("--control", "0x46", "--in", "00", "--in-offset", "4095");
        JsonAssert.Number(root, "status", 0);
    }

    [Fact]
    public void Input_OfAWholePage_IsTaken_OneMore_IsRefused()
    {
        JsonAssert.Number(Call("--control", "0x46", "--in", new string('0', 8192)), "status", 0);
        var run = CliRunner.UsageError("call", "--control", "0x46", "--in", new string('0', 8194));
        Assert.Contains("--in is 4097 bytes at offset 0", run.Stderr);
    }
}
