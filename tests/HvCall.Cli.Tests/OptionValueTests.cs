using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>Option values are matched case-insensitively everywhere (docs/cli.md "Option values"), and a bad one is one line.</summary>
public sealed class OptionValueTests
{
    [Theory]
    [InlineData("--topology", "FLAT", "topology", "flat")]
    [InlineData("--topology", "Nested", "topology", "nested")]
    [InlineData("--routing", "NONE", "routing", "none")]
    [InlineData("--routing", "Auto", "routing", "auto")]
    [InlineData("--scenario", "Routing-None", "scenario", "routing-none")]
    [InlineData("--scenario", "NAIVE-ROOT", "scenario", "naive-root")]
    [InlineData("--l0", "KVM", "l0", "kvm")]
    [InlineData("--l0", "Kvm-Relay", "l0", "kvm-relay")]
    [InlineData("--l0", "OpenVMM", "l0", "openvmm")]
    [InlineData("--arch", "X64", "architecture", "x64")]
    public void Simulate_Values_AnyCase(string option, string value, string field, string expected)
    {
        // routing none and a KVM L0 make the root's VMBus fail on purpose: exit 3, the run reported all the same.
        var run = CliRunner.Run("simulate", option, value, "--packets", "4", "--json");
        Assert.True(run.ExitCode is 0 or 3, $"exit {run.ExitCode}, stderr: {run.Stderr}");
        Assert.Equal(string.Empty, run.Stderr);
        using var json = run.Json();
        JsonAssert.String(json.RootElement, field, expected);
    }

    [Fact]
    public void Simulate_Arm64_AnyCase()
    {
        using var json = CliRunner.Ok("simulate", "--arch", "ARM64", "--topology", "Flat", "--packets", "4", "--json").Json();
        JsonAssert.String(json.RootElement, "architecture", "arm64");
        JsonAssert.String(json.RootElement, "topology", "flat");
    }

    [Theory]
    [InlineData("--caller", "ROOT", "caller", "host")]      // the flat machine's root is L0's "host" partition
    [InlineData("--caller", "Guest", "caller", "guest")]
    [InlineData("--host", "QEMU", "host", "qemu")]
    [InlineData("--topology", "NESTED", "caller", "root")]  // nested: the default caller is L1's root
    [InlineData("--arch", "AArch64", "status", "0")]
    public void Call_Values_AnyCase(string option, string value, string field, string expected)
    {
        using var json = CliRunner.Ok("call", "--control", "0x46", option, value, "--json").Json();
        if (field == "status")
            JsonAssert.Number(json.RootElement, field, ulong.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
        else
            JsonAssert.String(json.RootElement, field, expected);
    }

    [Fact]
    public void Routes_Arch_AnyCase()
    {
        using var json = CliRunner.Ok("routes", "--arch", "ARM64", "--json").Json();
        JsonAssert.String(json.RootElement, "architecture", "arm64");
    }

    [Theory]
    [InlineData("simulate", "--routing", "maybe", "Unknown routing mode 'maybe': use auto or none.")]
    [InlineData("simulate", "--scenario", "chaos", "Unknown scenario 'chaos': use default, naive-root or routing-none.")]
    [InlineData("simulate", "--topology", "Ring", "Unknown topology 'Ring': use flat or nested.")]
    [InlineData("call", "--caller", "admin", "Unknown caller 'admin': use root or guest.")]
    public void BadValue_OneLine_ListsTheWords(string verb, string option, string value, string message)
    {
        var args = verb == "call" ? new[] { verb, "--control", "0x46", option, value } : new[] { verb, option, value };
        var run = CliRunner.UsageError(args);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Arm64Alone_SaysToAddTopologyFlat()
    {
        // The default topology is nested, and Hyper-V has no nested virtualization on ARM64 (hyperv-abi.md §5).
        var run = CliRunner.UsageError("simulate", "--arch", "arm64");
        Assert.Contains("--topology flat", run.Stderr);
        Assert.Contains("--arch arm64 needs --topology flat", run.Stderr);
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("call")]
    public void Arm64WithNested_IsRefused_AndSaysWhatWorks(string verb)
    {
        var args = verb == "call" ? new[] { verb, "--control", "0x46", "--arch", "arm64", "--topology", "nested" } : new[] { verb, "--arch", "arm64", "--topology", "nested" };
        var run = CliRunner.UsageError(args);
        Assert.Contains("use --topology flat", run.Stderr);
    }
}
