using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;
using HvCall.Simulation.Text;
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
            var token = Token(result);
            if (TryParseArchitecture(token, out var architecture))
                return architecture;
            result.AddError($"Unknown architecture '{token}': use x64 or arm64.");
            return HvArchitecture.X64;
        },
    };

    /// <summary><c>--topology flat|nested</c>, case-insensitive, with a one-line error for anything else.</summary>
    /// <param name="description">What the topology means for the verb.</param>
    public static Option<Topology> Topology(string description) => new("--topology")
    {
        Description = description,
        HelpName = "flat|nested",
        CustomParser = static result =>
        {
            var token = Token(result);
            if (Matches(token, "flat"))
                return Simulation.Machines.Topology.Flat;
            if (Matches(token, "nested"))
                return Simulation.Machines.Topology.Nested;
            result.AddError($"Unknown topology '{token}': use flat or nested.");
            return Simulation.Machines.Topology.Flat;
        },
    };

    /// <summary>
    /// An option that takes one word of a fixed list, matched case-insensitively (the CLI's one rule for option
    /// values); its value is the list's spelling (lower case), with a one-line error naming the list otherwise.
    /// </summary>
    /// <param name="name">The option name, such as <c>--routing</c>.</param>
    /// <param name="noun">What the value is, for the error (<c>routing mode</c>: "Unknown routing mode 'x': …").</param>
    /// <param name="description">Its description.</param>
    /// <param name="values">The accepted words, as spelt in the help.</param>
    public static Option<string> Choice(string name, string noun, string description, params string[] values) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', values),
        CustomParser = result =>
        {
            var token = Token(result);
            foreach (var value in values)
            {
                if (Matches(token, value))
                    return value;
            }
            result.AddError($"Unknown {noun} '{token}': use {OneOf(values)}.");
            return null;
        },
    };

    /// <summary>
    /// The one-line refusal of ARM64 on the nested topology: when the topology was not given (nested is the default),
    /// it says to add <c>--topology flat</c>; null when the pair is fine.
    /// </summary>
    /// <param name="topology">The topology in effect.</param>
    /// <param name="architecture">The architecture in effect.</param>
    /// <param name="topologyGiven">Whether <c>--topology</c> was on the command line.</param>
    public static string? ArchitectureProblem(Topology topology, HvArchitecture architecture, bool topologyGiven)
    {
        if (topology != Simulation.Machines.Topology.Nested || architecture != HvArchitecture.Arm64)
            return null;
        return topologyGiven
            ? "--topology nested with --arch arm64 is refused: Hyper-V has no nested virtualization on ARM64; use --topology flat."
            : "--arch arm64 needs --topology flat: the default topology, nested, is x64-only (Hyper-V has no nested virtualization on ARM64).";
    }

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
            var token = Token(result);
            if (HostProfiles.TryGet(token, out var profile))
                return profile;
            result.AddError($"Unknown host profile '{token}': use {HostProfiles.NameList}.");
            return null;
        },
    };

    /// <summary>The value of a <see cref="HostProfile"/> option, <see cref="HostProfiles.Hyperv"/> when absent.</summary>
    /// <param name="value">The parsed option value.</param>
    public static HostProfile HostProfileOrDefault(HostProfile? value) => value ?? HostProfiles.Hyperv;

    /// <summary>
    /// A number option, parsed by the CLI's one number parser (<see cref="NumberParser"/>: decimal, <c>0x</c> hex,
    /// underscores between digits) with a one-line error; every numeric option of every verb is one of these.
    /// </summary>
    /// <param name="name">The option name, such as <c>--seed</c>.</param>
    /// <param name="description">Its description.</param>
    /// <param name="max">The largest value accepted (for a count the verb holds in an <see cref="int"/>, <see cref="int.MaxValue"/>);
    /// the verb checks its own, narrower range.</param>
    public static Option<ulong?> Number(string name, string description, ulong max = ulong.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result =>
        {
            var token = Token(result);
            if (!NumberParser.TryParseUInt64(token, out var parsed, out var error))
            {
                result.AddError($"{name}: {error}");
                return null;
            }
            if (parsed > max)
            {
                result.AddError($"{name}: '{token}' is out of range: at most {max}.");
                return null;
            }
            return parsed;
        },
    };

    /// <summary>The value of a <see cref="Number"/> option created with <c>max</c> at most <see cref="int.MaxValue"/>.</summary>
    /// <param name="value">The parsed option value.</param>
    public static int? AsInt(ulong? value) => value is { } v ? checked((int)v) : null;

    /// <summary>The value of an <see cref="Architecture"/> option, x64 when absent.</summary>
    /// <param name="value">The parsed option value.</param>
    public static HvArchitecture ArchitectureOrDefault(HvArchitecture? value) => value ?? HvArchitecture.X64;

    /// <summary>The command-line spelling of an architecture: <c>x64</c> or <c>arm64</c>.</summary>
    /// <param name="architecture">The architecture.</param>
    public static string Spell(HvArchitecture architecture) =>
        architecture == HvArchitecture.Arm64 ? "arm64" : "x64";

    /// <summary>Spells a list of words for an error: <c>a or b</c>, <c>a, b or c</c>.</summary>
    /// <param name="values">The words.</param>
    public static string OneOf(IReadOnlyList<string> values) =>
        values.Count == 1 ? values[0] : string.Join(", ", values.Take(values.Count - 1)) + " or " + values[^1];

    /// <summary>True when an option value matches one of the CLI's words: case-insensitive, surrounding spaces ignored.</summary>
    /// <param name="token">What the user typed.</param>
    /// <param name="word">The word as spelt in the help.</param>
    public static bool Matches(string token, string word) => string.Equals(token.Trim(), word, StringComparison.OrdinalIgnoreCase);

    private static string Token(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;

    private static bool TryParseArchitecture(string token, out HvArchitecture architecture)
    {
        switch (token.Trim().ToLowerInvariant())
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
