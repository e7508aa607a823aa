using System;
using System.Linq;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>
/// <c>hvcall simulate --l0 PROFILE</c> and <c>hvcall call --host PROFILE [--enforce-cpuid]</c>: L0 answers as Hyper-V,
/// KVM, KVM with the nested-VMBus relay, QEMU or OpenVMM (host-implementations.md §1.9, §3).
/// </summary>
public sealed class HostProfileCliTests
{
    // hyperv-abi.md §3 statuses; §1 control word: PostMessage 0x5C with bit 31.
    private const ulong InvalidHypercallInput = 0x3;
    private const ulong InvalidConnectionId = 0x12;
    private const string NestedPostMessage = "0x8000005C";
    // HV_INPUT_POST_MESSAGE: connection id 4 @0, reserved @4, message type 1 @8, payload size 0 @12.
    private static readonly string PostMessageToConnection4 = "04000000" + "00000000" + "01000000" + new string('0', 244 * 2);

    [Fact]
    public void Simulate_json_names_l0_hyperv_by_default()
    {
        using var json = CliRunner.Ok("simulate", "--l2-guests", "0", "--json").Json();
        JsonAssert.String(json.RootElement, "l0", "hyperv");
    }

    [Fact]
    public void Simulate_on_kvm_fails_the_roots_vmbus_at_L0_with_invalid_hypercall_input()
    {
        var run = CliRunner.Run("simulate", "--l0", "kvm", "--l2-guests", "0", "--json");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        using var json = run.Json();
        var root = json.RootElement;
        JsonAssert.String(root, "l0", "kvm");
        JsonAssert.Bool(root, "vmbusConnected", false);
        JsonAssert.Number(root, "vmbusVersion", 0);
        JsonAssert.Number(root, "failures", 8);
        var calls = root.GetProperty("hypercalls").EnumerateArray().ToArray();
        Assert.Equal(8, calls.Length);
        Assert.All(calls, call =>
        {
            JsonAssert.Number(call, "code", 0x5C);
            JsonAssert.Bool(call, "nested", true);
            JsonAssert.String(call, "handledBy", "L0");
            JsonAssert.Number(call, "status", InvalidHypercallInput);
        });
        Assert.All(root.GetProperty("errors").EnumerateArray(), e =>
            Assert.EndsWith("failed: HV_STATUS_INVALID_HYPERCALL_INPUT", e.GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Simulate_on_the_relay_connects()
    {
        using var json = CliRunner.Ok("simulate", "--l0", "kvm-relay", "--l2-guests", "0", "--json").Json();
        var root = json.RootElement;
        JsonAssert.String(root, "l0", "kvm-relay");
        JsonAssert.Bool(root, "vmbusConnected", true);
        JsonAssert.String(root, "vmbusVersionName", "5.2");
        JsonAssert.Bool(root, "unloaded", true);
        JsonAssert.Number(root, "failures", 0);
        Assert.All(root.GetProperty("hypercalls").EnumerateArray(), call => JsonAssert.String(call, "handledBy", "L0"));
    }

    [Theory]
    [InlineData("hyperv")]
    [InlineData("KVM")]
    [InlineData("kvm-relay")]
    [InlineData("qemu")]
    [InlineData("openvmm")]
    public void Simulate_flat_succeeds_on_every_profile_and_says_so_on_the_machine_line(string l0)
    {
        var text = CliRunner.Ok("simulate", "--topology", "flat", "--l0", l0).Stdout;
        Assert.Contains($"L0 answers as {l0.ToLowerInvariant()}", text.Split('\n').First(line => line.StartsWith("machine", StringComparison.Ordinal)));
        Assert.Contains("connected, version 5.2; unloaded: yes", text);
    }

    [Theory]
    [InlineData("simulate", "--l0", "xen")]
    [InlineData("call", "--control", "0x46", "--host", "xen")]
    public void Unknown_profile_is_one_line_listing_the_names(params string[] args)
    {
        var run = CliRunner.UsageError(args);
        Assert.Contains("Unknown host profile 'xen': use hyperv, kvm, kvm-relay, qemu, openvmm.", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("simulate", "--topology", "flat", "--arch", "arm64", "--l0", "kvm")]
    [InlineData("call", "--control", "0x46", "--arch", "arm64", "--host", "qemu")]
    public void Arm64_on_an_x86_only_host_is_a_usage_error(params string[] args)
    {
        var run = CliRunner.UsageError(args);
        Assert.Contains("host answers Hyper-V hypercalls on x64 only", run.Stderr, StringComparison.Ordinal);
    }

    [Theory] // The nested root's PostMessage with bit 31: Hyper-V and the relay dispatch it (no connection 4 on a bare machine); KVM refuses the bit.
    [InlineData("hyperv", InvalidConnectionId)]
    [InlineData("kvm", InvalidHypercallInput)]
    [InlineData("kvm-relay", InvalidConnectionId)]
    [InlineData("openvmm", InvalidConnectionId)]
    public void Call_nested_post_message_against_each_host(string host, ulong status)
    {
        using var json = CliRunner.Ok("call", "--control", NestedPostMessage, "--topology", "nested", "--host", host, "--in", PostMessageToConnection4, "--json").Json();
        var root = json.RootElement;
        JsonAssert.Number(root, "status", status);
        JsonAssert.String(root, "handledBy", "L0");
        JsonAssert.String(root, "host", host);
        JsonAssert.String(root, "caller", "root");
    }

    [Theory] // KVM enforces privileges only with KVM_CAP_HYPERV_ENFORCE_CPUID: PostMessage without PostMessages (EBX bit 4 = mask bit 36).
    [InlineData(false, InvalidConnectionId, false)]
    [InlineData(true, 0x6UL, true)]
    public void Call_on_kvm_with_and_without_enforce_cpuid(bool enforce, ulong status, bool enforced)
    {
        string[] args = ["call", "--control", "0x5C", "--host", "kvm", "--privileges", "0xFFFFFFEFFFFFFFFF", "--in", PostMessageToConnection4, "--json"];
        using var json = CliRunner.Ok(enforce ? [.. args, "--enforce-cpuid"] : args).Json();
        JsonAssert.Number(json.RootElement, "status", status);
        JsonAssert.Bool(json.RootElement, "privilegesEnforced", enforced);
    }

    [Fact]
    public void Call_text_names_the_host()
    {
        var text = CliRunner.Ok("call", "--control", "0x46", "--host", "openvmm").Stdout;
        Assert.Matches(@"(?m)^host\s+L0 answers as openvmm \(", text);
        Assert.Contains("HV_STATUS_INVALID_HYPERCALL_CODE", text); // HvCallGetPartitionId is not in OpenVMM's dispatcher
    }
}
