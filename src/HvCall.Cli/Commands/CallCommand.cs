using System;
using System.CommandLine;
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
        var inputOffset = new Option<int?>("--in-offset") { Description = "Byte offset of --in in the input page (default 0).", HelpName = "N" };
        var rdx = CommonOptions.Number("--rdx", "RDX (X2) as given: the input GPA, or fast input qword 0. Overrides --in's GPA.");
        var r8 = CommonOptions.Number("--r8", "R8 (X3) as given: the output GPA, or fast input qword 1 (default: the output page for a memory call, 0 for a fast one).");
        var topology = CommonOptions.Topology("flat (default): the caller runs on L0; nested: on L1, which runs in an L0 VM.");
        var caller = new Option<string>("--caller") { Description = "root: the root partition of the caller's hypervisor; guest: a guest partition (default: guest on flat, root on nested).", HelpName = "root|guest" };
        caller.AcceptOnlyFromAmong("root", "guest");
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
            var topologyValue = parseResult.GetResult(topology) is null ? Topology.Flat : parseResult.GetValue(topology);
            var callerKind = parseResult.GetValue(caller) ?? (topologyValue == Topology.Nested ? "root" : "guest");
            var request = new RawCallRequest(new HypercallControl(parseResult.GetValue(control) ?? 0))
            {
                Input = ParseHex(parseResult.GetValue(input)),
                InputOffset = parseResult.GetValue(inputOffset) ?? 0,
                Rdx = parseResult.GetValue(rdx),
                R8 = parseResult.GetValue(r8),
            };
            if (request.InputOffset is < 0 or >= 4096)
                throw new CliUsageException($"--in-offset must be 0 to 4095, not {request.InputOffset}.");
            var profile = CommonOptions.HostProfileOrDefault(parseResult.GetValue(host));
            if (parseResult.GetValue(enforceCpuid))
                profile = profile with { EnforceCpuid = true };
            var options = new MachineOptions
            {
                Topology = topologyValue,
                Architecture = CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)),
                L0Profile = profile,
            };
            if (options.Validate() is { } problem)
                throw new CliUsageException(problem);
            if (!RawHypercall.TryGetCaller(Machine.Build(options), callerKind == "root" ? RawCaller.Root : RawCaller.Guest, out var partition, out var callerProblem))
                throw new CliUsageException(callerProblem);
            if (parseResult.GetValue(privileges) is { } mask)
                partition.Privileges = (HvPartitionPrivileges)mask;
            var outcome = RawHypercall.Issue(partition, request);
            if (parseResult.GetValue(json))
                WriteJson(context.Out, partition, profile, outcome);
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

    private static void WriteJson(TextWriter output, Partition caller, HostProfile host, RawCallOutcome outcome)
    {
        var result = outcome.Result;
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
            writer.WriteBoolean("privilegesEnforced", host.EnforcesPrivileges);
            writer.WriteNumber("result", result.Value);
            writer.WriteString("caller", caller.Name);
            writer.WriteNumber("executions", outcome.Executions);
            if (outcome.Fault == VpFault.None)
                writer.WriteNull("fault");
            else
                writer.WriteString("fault", outcome.Fault.ToString());
            writer.WriteString("output", Convert.ToHexStringLower(outcome.Output));
            writer.WriteEndObject();
        });
    }

    private static void WriteText(TextWriter output, Partition caller, HostProfile host, RawCallRequest request, RawCallOutcome outcome)
    {
        var result = outcome.Result;
        var control = request.Control;
        TextListing.WriteFields(output,
        [
            ("control", $"{control} ({control.Code}{(control.IsFast ? ", fast" : "")}{(control.IsNested ? ", nested" : "")}{(control.RepCount > 0 ? $", {control.RepCount} reps from {control.RepStart}" : "")})"),
            ("caller", $"{caller.Name} on {caller.Hypervisor.Name}, vp0"),
            ("handled by", outcome.HandledBy),
            ("host", $"L0 answers as {host.Name} ({host.Description}); privileges {(host.EnforcesPrivileges ? "enforced" : "not enforced")}"),
            ("result", outcome.Fault != VpFault.None ? $"fault: {outcome.Fault} (no result)" : $"0x{result.Value:X16}"),
            ("status", outcome.Fault != VpFault.None ? "-" : $"0x{(ushort)result.Status:X4} {HvStatusNames.TlfsName(result.Status)}"),
            ("reps completed", result.RepsCompleted.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("executions", $"{outcome.Executions}{(outcome.Executions > 1 ? " (continued rep call)" : "")}"),
            ("output page", Convert.ToHexStringLower(outcome.Output) + " (first 16 bytes)"),
        ]);
    }
}
