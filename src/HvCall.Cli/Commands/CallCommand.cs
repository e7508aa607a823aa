using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Profiles;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Machines;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall call --control VALUE [--in HEX] [--in-offset N] [--rdx V] [--r8 V] [--topology flat|nested]
/// [--caller root|guest] [--privileges MASK] [--arch x64|arm64] [--host PROFILE] [--enforce-cpuid] [--json]</c>: one raw
/// hypercall on a fresh simulated machine whose L0 answers as the host profile, issued by VP 0 of the chosen partition
/// (<see cref="RawHypercall"/>), with the result decoded.
/// </summary>
internal static class CallCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var control = CommonOptions.Number("--control", "The control word (RCX / X1), hex or decimal.");
        control.Required = true;
        var input = new Option<string>("--in") { Description = "Input bytes in hex, placed in the caller's input page; its GPA goes in RDX (X2).", HelpName = "hex" };
        var inputOffset = CommonOptions.Number("--in-offset", "Byte offset of --in in the input page, 0 to 4095 (default 0).", int.MaxValue);
        var rdx = CommonOptions.Number("--rdx", "RDX (X2) as given: the input GPA, or fast input qword 0. Overrides --in's GPA.");
        var r8 = CommonOptions.Number("--r8", "R8 (X3) as given: the output GPA, or fast input qword 1 (default: the output page for a memory call, 0 for a fast one).");
        var topology = CommonOptions.Topology("flat (default): the caller runs on L0; nested: on L1, which runs in an L0 VM.");
        var caller = CommonOptions.Choice("--caller", "caller",
            "root: the root partition of the caller's hypervisor; guest: a guest partition (default: guest on flat, root on nested).", "root", "guest");
        var privileges = CommonOptions.Number("--privileges", "The caller's 64-bit partition privilege mask (low half = CPUID 0x40000003 EAX, high half = EBX).");
        var architecture = CommonOptions.Architecture();
        var host = CommonOptions.HostProfile("--host", "The host L0 answers as: hyperv (default), kvm, kvm-relay, qemu or openvmm (on nested, L1 stays Hyper-V).");
        var enforceCpuid = new Option<bool>("--enforce-cpuid") { Description = "Turn the host profile's EnforceCpuid on (KVM_CAP_HYPERV_ENFORCE_CPUID: kvm enforces privileges only then)." };
        var json = CommonOptions.Json();
        var command = new Command("call", "Issue one raw hypercall on a fresh simulated machine and decode the result.")
        {
            control, input, inputOffset, rdx, r8, topology, caller, privileges, architecture, host, enforceCpuid, json,
        };
        command.SetAction(parseResult =>
        {
            var topologyGiven = parseResult.GetResult(topology) is not null;
            var topologyValue = topologyGiven ? parseResult.GetValue(topology) : Topology.Flat;
            var callerKind = parseResult.GetValue(caller) ?? (topologyValue == Topology.Nested ? "root" : "guest");
            var request = new RawCallRequest(new HypercallControl(parseResult.GetValue(control) ?? 0))
            {
                Input = ParseHex(parseResult.GetValue(input)),
                InputOffset = CommonOptions.AsInt(parseResult.GetValue(inputOffset)) ?? 0,
                Rdx = parseResult.GetValue(rdx),
                R8 = parseResult.GetValue(r8),
            };
            if (request.InputOffset >= RawHypercall.PageSize)
                throw new CliUsageException($"--in-offset must be 0 to {RawHypercall.PageSize - 1}, not {request.InputOffset}.");
            if (request.Input.Length > RawHypercall.PageSize - request.InputOffset)
                throw new CliUsageException($"--in is {request.Input.Length} bytes at offset {request.InputOffset}: it runs past the end of the " +
                    $"{RawHypercall.PageSize}-byte input page (at most {RawHypercall.PageSize - request.InputOffset} bytes fit there).");
            var profile = CommonOptions.HostProfileOrDefault(parseResult.GetValue(host));
            if (parseResult.GetValue(enforceCpuid))
                profile = profile with { EnforceCpuid = true };
            var options = new MachineOptions
            {
                Topology = topologyValue,
                Architecture = CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)),
                L0Profile = profile,
            };
            if ((CommonOptions.ArchitectureProblem(options.Topology, options.Architecture, topologyGiven) ?? options.Validate()) is { } problem)
                throw new CliUsageException(problem);
            if (!RawHypercall.TryGetCaller(Machine.Build(options), callerKind == "root" ? RawCaller.Root : RawCaller.Guest, out var partition, out var callerProblem))
                throw new CliUsageException(callerProblem);
            if (parseResult.GetValue(privileges) is { } mask)
                partition.Privileges = (HvPartitionPrivileges)mask;
            var outcome = RawHypercall.Issue(partition, request);
            if (parseResult.GetValue(json))
                WriteJson(context.Out, partition, profile, request, outcome);
            else
                WriteText(context.Out, partition, profile, request, outcome);
            return ExitCodes.Success;
        });
        return command;
    }

    private static byte[] ParseHex(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return [];
        var digits = text.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            digits = digits[2..];
        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            throw new CliUsageException($"--in must be hex bytes such as 0400000000000000, not '{text}'.");
        }
    }

    /// <summary>Where the output went, for the text: <c>8 bytes at GPA 0x…</c>, <c>16 bytes in registers</c> or why there is none.</summary>
    internal static string OutputWhere(RawCallOutcome outcome)
    {
        if (outcome.Fault != VpFault.None)
            return "none (the instruction faulted)";
        if (outcome.Written.Length == 0)
            return "none (the call wrote no output)";
        var where = outcome.WrittenToRegisters
            ? $"in registers (fast output{(outcome.WrittenOffset > 0 ? $", from byte {outcome.WrittenOffset}" : "")})"
            : $"at GPA 0x{outcome.OutputGpa + (ulong)outcome.WrittenOffset:X}{(outcome.WrittenOffset > 0 ? $" (output + {outcome.WrittenOffset})" : "")}";
        return $"{outcome.Written.Length} bytes {where}";
    }

    private static void WriteJson(TextWriter output, Partition caller, HostProfile host, RawCallRequest request, RawCallOutcome outcome)
    {
        var result = outcome.Result;
        var control = request.Control;
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartObject();
            if (outcome.Fault != VpFault.None)
            {
                writer.WriteNull("status");
                writer.WriteNull("statusName");
                writer.WriteNull("repsCompleted");
            }
            else
            {
                writer.WriteNumber("status", (ushort)result.Status);
                writer.WriteString("statusName", HvStatusNames.TlfsName(result.Status));
                writer.WriteNumber("repsCompleted", result.RepsCompleted);
            }
            writer.WriteString("handledBy", outcome.HandledBy);
            writer.WriteString("host", host.Name);
            writer.WriteString("hostDescription", host.Description);
            writer.WriteBoolean("privilegesEnforced", host.EnforcesPrivileges);
            writer.WriteNumber("result", result.Value);
            writer.WriteNumber("control", control.Value);
            ControlWordJson.WriteFields(writer, control);
            writer.WriteString("caller", caller.Name);
            writer.WriteString("callerHypervisor", caller.Hypervisor.Name);
            writer.WriteNumber("vp", 0);
            writer.WriteNumber("executions", outcome.Executions);
            if (outcome.Fault == VpFault.None)
                writer.WriteNull("fault");
            else
                writer.WriteString("fault", outcome.Fault.ToString());
            writer.WriteString("output", Convert.ToHexStringLower(outcome.Written));
            writer.WriteNumber("outputLength", outcome.Written.Length);
            writer.WriteNumber("outputOffset", outcome.WrittenOffset);
            writer.WriteString("outputIn", outcome.WrittenToRegisters ? "registers" : "memory");
            writer.WriteNumber("outputGpa", outcome.OutputGpa);
            writer.WriteEndObject();
        });
    }

    private static void WriteText(TextWriter output, Partition caller, HostProfile host, RawCallRequest request, RawCallOutcome outcome)
    {
        var result = outcome.Result;
        var control = request.Control;
        var reserved = $"0x{control.ReservedBits:X16}";
        if (control.HasReservedBits)
            reserved += " (must be zero)";
        var fields = new List<(string Label, string Value)>
        {
            ("control", $"{control} ({control.Code}{(control.IsFast ? ", fast" : "")}{(control.IsNested ? ", nested" : "")}{(control.RepCount > 0 ? $", {control.RepCount} reps from {control.RepStart}" : "")})"),
            ("reserved bits", reserved),
            ("caller", $"{caller.Name} on {caller.Hypervisor.Name}, vp0"),
            ("handled by", outcome.HandledBy),
            ("host", $"L0 answers as {host.Name} ({host.Description}); privileges {(host.EnforcesPrivileges ? "enforced" : "not enforced")}"),
            ("result", outcome.Fault != VpFault.None ? $"fault: {outcome.Fault} (no result)" : $"0x{result.Value:X16}"),
            ("status", outcome.Fault != VpFault.None ? "-" : $"0x{(ushort)result.Status:X4} {HvStatusNames.TlfsName(result.Status)}"),
            ("reps completed", result.RepsCompleted.ToString(CultureInfo.InvariantCulture)),
            ("executions", $"{outcome.Executions}{(outcome.Executions > 1 ? " (continued rep call)" : "")}"),
            ("output", OutputWhere(outcome)),
        };
        // The bytes, 32 to a line, under the output line.
        for (var i = 0; i < outcome.Written.Length; i += 32)
            fields.Add(("", Convert.ToHexStringLower(outcome.Written.AsSpan(i, Math.Min(32, outcome.Written.Length - i)))));
        TextListing.WriteFields(output, fields);
    }
}
