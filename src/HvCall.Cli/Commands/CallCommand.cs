using System;
using System.CommandLine;
using System.IO;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Partitions;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Machines;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall call --control VALUE [--in HEX] [--in-offset N] [--rdx V] [--r8 V] [--topology flat|nested]
/// [--caller root|guest] [--privileges MASK] [--arch x64|arm64] [--json]</c>: one raw hypercall on a
/// fresh simulated machine, issued by VP 0 of the chosen partition, with the result decoded.
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
        var json = CommonOptions.Json();
        var command = new Command("call", "Issue one raw hypercall on a fresh simulated machine and decode the result.")
        {
            control, input, inputOffset, rdx, r8, topology, caller, privileges, architecture, json,
        };
        command.SetAction(parseResult =>
        {
            var topologyValue = parseResult.GetResult(topology) is null ? Topology.Flat : parseResult.GetValue(topology);
            var callerKind = parseResult.GetValue(caller) ?? (topologyValue == Topology.Nested ? "root" : "guest");
            var request = new CallRequest(
                new HypercallControl(parseResult.GetValue(control) ?? 0),
                ParseHex(parseResult.GetValue(input)),
                parseResult.GetValue(inputOffset) ?? 0,
                parseResult.GetValue(rdx),
                parseResult.GetValue(r8));
            if (request.InputOffset is < 0 or >= 4096)
                throw new CliUsageException($"--in-offset must be 0 to 4095, not {request.InputOffset}.");
            var options = new MachineOptions { Topology = topologyValue, Architecture = CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)) };
            if (options.Validate() is { } problem)
                throw new CliUsageException(problem);
            var (hypervisor, partition) = Caller(Machine.Build(options), callerKind);
            if (parseResult.GetValue(privileges) is { } mask)
                partition.Privileges = (HvPartitionPrivileges)mask;
            var outcome = Issue(hypervisor, partition, request);
            if (parseResult.GetValue(json))
                WriteJson(context.Out, partition, outcome);
            else
                WriteText(context.Out, partition, request, outcome);
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record CallRequest(HypercallControl Control, byte[] Input, int InputOffset, ulong? Rdx, ulong? R8);

    private sealed record CallOutcome(HypercallExit Exit, int Executions, VpFault Fault, byte[] Output);

    private static (HvHypervisor Hypervisor, Partition Partition) Caller(Machine machine, string kind)
    {
        if (machine.Options.Topology == Topology.Flat)
        {
            if (kind == "guest")
                return (machine.L0, machine.Guest);
            if (machine.Options.Architecture != HvArchitecture.X64)
                throw new CliUsageException("The L0 root partition is x64; use --caller guest for an ARM64 caller.");
            return (machine.L0, machine.Host);
        }
        if (kind == "root")
            return (machine.L1!, machine.Guest);
        var guest = machine.L1!.CreatePartition(new PartitionConfiguration("l1-guest", HvArchitecture.X64, 1, machine.Options.MemorySize, PartitionConfiguration.GuestDefault));
        return (machine.L1, guest);
    }

    // The partition has booted: its guest OS id is set, so the call reaches the dispatcher.
    private static CallOutcome Issue(HvHypervisor hypervisor, Partition partition, CallRequest request)
    {
        partition.GuestOsId = GuestLayout.LinuxGuestOsId;
        partition.TryGetVp(0, out var vp);
        var inputPage = GuestLayout.InputPage(0);
        var outputPage = inputPage + 0x1000;
        partition.Memory.TryWrite(inputPage + (ulong)request.InputOffset, request.Input);
        var rdx = request.Rdx ?? (request.Input.Length > 0 ? inputPage + (ulong)request.InputOffset : 0);
        var r8 = request.R8 ?? (request.Control.IsFast ? 0 : outputPage);
        if (vp!.Architecture == HvArchitecture.X64)
            (vp.X64.Rcx, vp.X64.Rdx, vp.X64.R8) = (request.Control.Value, rdx, r8);
        else
            (vp.Arm64.X[0], vp.Arm64.X[1], vp.Arm64.X[2], vp.Arm64.X[3]) = (0x4600_0001, request.Control.Value, rdx, r8);

        HypercallExit exit;
        var executions = 0;
        do
        {
            exit = hypervisor.ExecuteHypercall(vp);
            executions++;
        }
        while (exit.Kind == HypercallExitKind.Continue && executions < 1 << 16);
        var output = new byte[16];
        partition.Memory.TryRead(outputPage, output);
        return new CallOutcome(exit, executions, vp.LastFault, output);
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

    private static void WriteJson(TextWriter output, Partition caller, CallOutcome outcome)
    {
        var result = outcome.Exit.Result;
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
            writer.WriteString("handledBy", outcome.Exit.HandledBy);
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

    private static void WriteText(TextWriter output, Partition caller, CallRequest request, CallOutcome outcome)
    {
        var result = outcome.Exit.Result;
        var control = request.Control;
        TextListing.WriteFields(output,
        [
            ("control", $"{control} ({control.Code}{(control.IsFast ? ", fast" : "")}{(control.IsNested ? ", nested" : "")}{(control.RepCount > 0 ? $", {control.RepCount} reps from {control.RepStart}" : "")})"),
            ("caller", $"{caller.Name} on {caller.Hypervisor.Name}, vp0"),
            ("handled by", outcome.Exit.HandledBy),
            ("result", outcome.Fault != VpFault.None ? $"fault: {outcome.Fault} (no result)" : $"0x{result.Value:X16}"),
            ("status", outcome.Fault != VpFault.None ? "-" : $"0x{(ushort)result.Status:X4} {HvStatusNames.TlfsName(result.Status)}"),
            ("reps completed", result.RepsCompleted.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("executions", $"{outcome.Executions}{(outcome.Executions > 1 ? " (continued rep call)" : "")}"),
            ("output page", Convert.ToHexStringLower(outcome.Output) + " (first 16 bytes)"),
        ]);
    }
}
