using System;
using System.Globalization;
using HvCall.Abi;
using HvCall.Fuzzing;
using HvCall.Simulation.Machines;

// hvcall-fuzz --calls N --seed S [--arch x64|arm64] [--topology flat|nested] [--l0 PROFILE] [--quiet]
// Prints calls/s, the per-configuration counts, the status table per code and the findings; exit 0 without findings, 1 with
// findings, 2 on a usage error.
long calls = 1_000_000;
ulong seed = 1;
HvArchitecture? arch = null;
Topology? topology = null;
string? profile = null;
var perCode = true;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--calls": calls = long.Parse(Value().Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture); break;
            case "--seed": seed = ulong.Parse(Value(), CultureInfo.InvariantCulture); break;
            case "--arch":
                arch = Value().ToLowerInvariant() switch
                {
                    "x64" => HvArchitecture.X64,
                    "arm64" => HvArchitecture.Arm64,
                    "all" => null,
                    var other => throw new ArgumentException($"unknown architecture '{other}' (x64, arm64, all)"),
                };
                break;
            case "--topology":
                topology = Value().ToLowerInvariant() switch
                {
                    "flat" => Topology.Flat,
                    "nested" => Topology.Nested,
                    "all" => null,
                    var other => throw new ArgumentException($"unknown topology '{other}' (flat, nested, all)"),
                };
                break;
            case "--l0": profile = Value(); break;
            case "--quiet": perCode = false; break;
            case "--help" or "-h":
                Console.WriteLine("usage: hvcall-fuzz [--calls N] [--seed S] [--arch x64|arm64|all] [--topology flat|nested|all] [--l0 PROFILE] [--quiet]");
                return 0;
            default: throw new ArgumentException($"unknown option '{args[i]}'");
        }
    }
    if (calls < 1)
        throw new ArgumentException("--calls must be at least 1");
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"hvcall-fuzz: {e.Message}");
    return 2;
}

var configurations = FuzzConfiguration.Select(arch, topology, profile);
if (configurations.IsEmpty)
{
    Console.Error.WriteLine("hvcall-fuzz: no configuration matches those filters");
    return 2;
}
var options = new FuzzOptions { Calls = calls, Seed = seed, Configurations = configurations };
Console.WriteLine($"fuzzing {calls:N0} calls, seed {seed}, {configurations.Length} configurations ({string.Join(", ", configurations)})");
var report = Fuzzer.Run(options, c =>
    Console.WriteLine($"  {c.Configuration.Name}: {c.Calls:N0} calls, {c.Calls / Math.Max(c.Seconds, 1e-9):N0} calls/s, {c.Findings.Count} findings"));
Console.WriteLine();
Console.Write(report.Format(perCode));
return report.Findings.GetEnumerator().MoveNext() ? 1 : 0;
