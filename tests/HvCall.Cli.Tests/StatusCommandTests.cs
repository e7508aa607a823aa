using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary><c>hvcall status NAME|VALUE</c>: a status looked up both ways, checked against hyperv-abi.md §3.</summary>
public sealed class StatusCommandTests
{
    // hyperv-abi.md §3, verbatim.
    private const string FactSheet = """
        0x0 SUCCESS, 0x2 INVALID_HYPERCALL_CODE, 0x3 INVALID_HYPERCALL_INPUT, 0x4 INVALID_ALIGNMENT,
        0x5 INVALID_PARAMETER, 0x6 ACCESS_DENIED, 0x7 INVALID_PARTITION_STATE, 0x8 OPERATION_DENIED,
        0x9 UNKNOWN_PROPERTY, 0xA PROPERTY_VALUE_OUT_OF_RANGE, 0xB INSUFFICIENT_MEMORY, 0xC PARTITION_TOO_DEEP,
        0xD INVALID_PARTITION_ID, 0xE INVALID_VP_INDEX, 0x10 NOT_FOUND, 0x11 INVALID_PORT_ID,
        0x12 INVALID_CONNECTION_ID, 0x13 INSUFFICIENT_BUFFERS, 0x14 NOT_ACKNOWLEDGED, 0x15 INVALID_VP_STATE,
        0x16 ACKNOWLEDGED, 0x17 INVALID_SAVE_RESTORE_STATE, 0x18 INVALID_SYNIC_STATE, 0x19 OBJECT_IN_USE,
        0x1A INVALID_PROXIMITY_DOMAIN_INFO, 0x1B NO_DATA, 0x1C INACTIVE, 0x1D NO_RESOURCES,
        0x1E FEATURE_UNAVAILABLE, 0x1F PARTIAL_PACKET, 0x20 PROCESSOR_FEATURE_NOT_SUPPORTED,
        0x30 PROCESSOR_CACHE_LINE_FLUSH_SIZE_INCOMPATIBLE, 0x33 INSUFFICIENT_BUFFER, 0x37 INCOMPATIBLE_PROCESSOR,
        0x38 INSUFFICIENT_DEVICE_DOMAINS, 0x3C CPUID_FEATURE_VALIDATION_ERROR, 0x3D CPUID_XSAVE_FEATURE_VALIDATION_ERROR,
        0x3E PROCESSOR_STARTUP_TIMEOUT, 0x3F SMX_ENABLED, 0x41 INVALID_LP_INDEX, 0x50 INVALID_REGISTER_VALUE,
        0x51 INVALID_VTL_STATE, 0x55 NX_NOT_DETECTED, 0x57 INVALID_DEVICE_ID, 0x58 INVALID_DEVICE_STATE,
        0x59 PENDING_PAGE_REQUESTS, 0x60 PAGE_REQUEST_INVALID, 0x65 KEY_ALREADY_EXISTS, 0x66 DEVICE_ALREADY_IN_DOMAIN,
        0x6F INVALID_CPU_GROUP_ID, 0x70 INVALID_CPU_GROUP_STATE, 0x71 OPERATION_FAILED,
        0x72 NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE, 0x73 INSUFFICIENT_ROOT_MEMORY, 0x74 EVENT_BUFFER_ALREADY_FREED,
        0x78 TIMEOUT, 0x79 CALL_PENDING, 0x86 VTL_ALREADY_ENABLED, 0x87 UNKNOWN_REGISTER_NAME.
        """;

    public static TheoryData<int, string> Statuses()
    {
        var data = new TheoryData<int, string>();
        foreach (Match match in Regex.Matches(FactSheet, @"0x([0-9A-F]+) ([A-Z_]+)"))
            data.Add(Convert.ToInt32(match.Groups[1].Value, 16), match.Groups[2].Value);
        return data;
    }

    [Fact]
    public void FactSheet_HasEveryStatus() => Assert.Equal(59, Statuses().Count());

    [Theory]
    [MemberData(nameof(Statuses))]
    public void ValueToName(int value, string name)
    {
        using var json = CliRunner.Ok("status", $"0x{value:X}", "--json").Json();
        JsonAssert.Number(json.RootElement, "status", (ulong)value);
        JsonAssert.String(json.RootElement, "statusName", "HV_STATUS_" + name);
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("description").GetString()));
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public void NameToValue_WithAndWithoutPrefix_AnyCase(int value, string name)
    {
        foreach (var spelling in new[] { "HV_STATUS_" + name, name, name.ToLowerInvariant(), Pascal(name), "HvStatus" + Pascal(name) })
        {
            using var json = CliRunner.Ok("status", spelling, "--json").Json();
            JsonAssert.Number(json.RootElement, "status", (ulong)value);
        }
    }

    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_').Select(static word => word[0] + word[1..].ToLowerInvariant()));

    [Fact]
    public void InsufficientBuffers_IsNotInsufficientBuffer()
    {
        // §3's gotcha: INSUFFICIENT_BUFFERS is 0x13, INSUFFICIENT_BUFFER is 0x33.
        using var buffers = CliRunner.Ok("status", "insufficient_buffers", "--json").Json();
        using var buffer = CliRunner.Ok("status", "insufficient_buffer", "--json").Json();
        JsonAssert.Number(buffers.RootElement, "status", 0x13);
        JsonAssert.Number(buffer.RootElement, "status", 0x33);
    }

    [Fact]
    public void Text_ValueNameDescription()
    {
        var text = CliRunner.Ok("status", "18").Stdout;
        Assert.Matches(@"(?m)^status\s+0x0012 \(18\)$", text);
        Assert.Matches(@"(?m)^name\s+HV_STATUS_INVALID_CONNECTION_ID$", text);
        Assert.Matches(@"(?m)^description\s+\S", text);
    }

    [Theory]
    [InlineData("0xAB")]          // not in §3
    [InlineData("0x1_0000")]      // statuses are 16 bits
    [InlineData("nope")]
    [InlineData("HV_STATUS_")]
    [InlineData("0x")]
    public void Unknown_IsOneLine_Exit2(string text) => CliRunner.UsageError("status", text);

    [Fact]
    public void Missing_IsOneLine_Exit2() => CliRunner.UsageError("status");
}
