using HvCall.Simulation.Text;
using System.CommandLine;
using HvCall.Abi;
using HvCall.Hypervisor.Profiles;
using HvCall.Simulation.Machines;

namespace HvCall.Cli.Infrastructure;

/// <summary>Factories for the options several verbs share, so they are spelt and described alike.</summary>
internal static class CommonOptions
{
    /// <summary><c>--json</c>: machine-readable output.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Write JSON (numbers as JSON integers) instead of text.",
    };

    /// <summary><c>--nested-root</c>: the configuration of a nested root partition.</summary>
    public static Option<bool> NestedRoot() => new("--nested-root")
    {
        Description = "Use the routing of a nested root partition (a root whose hypervisor runs inside a Hyper-V VM).",
    };

    /// <summary>
    /// <c>--arch x64|arm64</c>, parsed case-insensitively with a one-line error; absent means x64
    /// (read it with <see cref="ArchitectureOrDefault"/>).
    /// </summary>
    public static Option<HvArchitecture?> Architecture() => new("--arch")
    {
        Description = "The processor architecture (default: x64).",
        HelpName = "x64|arm64",
        CustomParser = static result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (TryParseArchitecture(token, out var architecture))
                return architecture;
            result.AddError($"Unknown architecture '{token}': use x64 or arm64.");
            return HvArchitecture.X64;
        },
    };

    /// <summary><c>--topology flat|nested</c>, with a one-line error for anything else.</summary>
    /// <param name="description">What the topology means for the verb.</param>
    public static Option<Topology> Topology(string description) => new("--topology")
    {
        Description = description,
        HelpName = "flat|nested",
        CustomParser = static result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value.ToLowerInvariant() : string.Empty;
            if (token is "flat")
                return Simulation.Machines.Topology.Flat;
            if (token is "nested")
                return Simulation.Machines.Topology.Nested;
            result.AddError($"Unknown topology '{token}': use flat or nested.");
            return Simulation.Machines.Topology.Flat;
        },
    };

    /// <summary>
    /// A host profile option (<c>--l0</c>, <c>--host</c>): a name of <see cref="HostProfiles.All"/>, case-insensitive, with
    /// a one-line error listing the names; absent means hyperv (read it with <see cref="HostProfileOrDefault"/>).
    /// </summary>
    /// <param name="name">The option name.</param>
    /// <param name="description">Its description.</param>
    public static Option<HostProfile?> HostProfile(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "hyperv|kvm|kvm-relay|qemu|openvmm",
        CustomParser = static result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (HostProfiles.TryGet(token, out var profile))
                return profile;
            result.AddError($"Unknown host profile '{token}': use {HostProfiles.NameList}.");
            return null;
        },
    };

    /// <summary>The value of a <see cref="HostProfile"/> option, <see cref="HostProfiles.Hyperv"/> when absent.</summary>
    /// <param name="value">The parsed option value.</param>
    public static HostProfile HostProfileOrDefault(HostProfile? value) => value ?? HostProfiles.Hyperv;

    /// <summary>A 64-bit number option (hex <c>0x…</c> or decimal) with a one-line error.</summary>
    /// <param name="name">The option name, such as <c>--seed</c>.</param>
    /// <param name="description">Its description.</param>
    public static Option<ulong?> Number(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "value",
        CustomParser = result =>
        {
            var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (NumberParser.TryParseUInt64(token, out var parsed, out var error))
                return parsed;
            result.AddError($"{name}: {error}");
            return null;
        },
    };

    /// <summary>The value of an <see cref="Architecture"/> option, x64 when absent.</summary>
    /// <param name="value">The parsed option value.</param>
    public static HvArchitecture ArchitectureOrDefault(HvArchitecture? value) => value ?? HvArchitecture.X64;

    /// <summary>The command-line spelling of an architecture: <c>x64</c> or <c>arm64</c>.</summary>
    /// <param name="architecture">The architecture.</param>
    public static string Spell(HvArchitecture architecture) =>
        architecture == HvArchitecture.Arm64 ? "arm64" : "x64";

    private static bool TryParseArchitecture(string token, out HvArchitecture architecture)
    {
        switch (token.ToLowerInvariant())
        {
            case "x64":
            case "amd64":
            case "x86_64":
                architecture = HvArchitecture.X64;
                return true;
            case "arm64":
            case "aarch64":
                architecture = HvArchitecture.Arm64;
                return true;
            default:
                architecture = HvArchitecture.X64;
                return false;
        }
    }
}
