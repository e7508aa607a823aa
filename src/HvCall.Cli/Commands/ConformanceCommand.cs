using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Hypervisor.Processors;
using HvCall.Simulation.Conformance;
using HvCall.Simulation.Machines;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall conformance [--markdown|--json]</c>: runs the built-in conformance cases (<see cref="ConformanceCases"/>:
/// host-implementations.md §1.9 row by row, §2.1-§2.2) against every host profile, each case on a fresh machine through
/// <see cref="RawHypercall"/>, and prints the matrix case × profile → status. The output depends only on the build.
/// </summary>
/// <remarks>docs/cli.md describes the verb; docs/host-profiles.md holds the <c>--markdown</c> output, checked by a test.</remarks>
internal static class ConformanceCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var markdown = new Option<bool>("--markdown") { Description = "Write GitHub Markdown tables (the matrix, then each case's call and source) instead of text." };
        var json = CommonOptions.Json();
        var command = new Command("conformance",
            "Run the built-in conformance cases (host-implementations.md §1.9, §2) against every host profile and print case × profile → status.")
        {
            markdown, json,
        };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(markdown) && parseResult.GetValue(json))
                throw new CliUsageException("--markdown and --json cannot be combined: choose one.");
            var matrix = ConformanceRunner.Run();
            if (parseResult.GetValue(json))
                WriteJson(context.Out, matrix);
            else if (parseResult.GetValue(markdown))
                WriteMarkdown(context.Out, matrix);
            else
                WriteText(context.Out, matrix);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A matrix cell: <c>0x3 INVALID_HYPERCALL_INPUT</c> (the TLFS name without <c>HV_STATUS_</c>), or the fault.</summary>
    /// <param name="outcome">The outcome.</param>
    internal static string Cell(RawCallOutcome outcome) => outcome.Fault != VpFault.None
        ? $"fault {outcome.Fault}"
        : $"0x{(ushort)outcome.Status:X} {ShortName(outcome.Status)}";

    private static string ShortName(HvStatus status)
    {
        var name = HvStatusNames.TlfsName(status);
        return name.StartsWith("HV_STATUS_", System.StringComparison.Ordinal) ? name["HV_STATUS_".Length..] : name;
    }

    private static List<IReadOnlyList<string>> MatrixRows(ConformanceMatrix matrix, System.Func<string, string> name) =>
        matrix.Rows.Select(row => (IReadOnlyList<string>)[name(row.Case.Name), .. row.Outcomes.Select(Cell)]).ToList();

    private static void WriteText(TextWriter output, ConformanceMatrix matrix)
    {
        TextListing.WriteTable(output, ["case", .. matrix.Profiles.Select(static p => p.Name)], MatrixRows(matrix, static n => n));
        output.WriteLine();
        TextListing.WriteFields(output, matrix.Rows.Select(static r => (r.Case.Name, $"{r.Case.Description} [{r.Case.Source}]")).ToList());
    }

    private static void WriteMarkdown(TextWriter output, ConformanceMatrix matrix)
    {
        WriteMarkdownTable(output, ["case", .. matrix.Profiles.Select(static p => p.Name)], MatrixRows(matrix, static n => $"`{n}`"));
        output.WriteLine();
        WriteMarkdownTable(output, ["case", "call", "source"],
            matrix.Rows.Select(static r => (IReadOnlyList<string>)[$"`{r.Case.Name}`", r.Case.Description, r.Case.Source]).ToList());
    }

    private static void WriteMarkdownTable(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        output.WriteLine("| " + string.Join(" | ", header.Select(Escape)) + " |");
        output.WriteLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var row in rows)
            output.WriteLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", System.StringComparison.Ordinal);

    private static void WriteJson(TextWriter output, ConformanceMatrix matrix)
    {
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("profiles");
            foreach (var profile in matrix.Profiles)
                writer.WriteStringValue(profile.Name);
            writer.WriteEndArray();
            writer.WriteStartArray("cases");
            foreach (var row in matrix.Rows)
            {
                writer.WriteStartObject();
                writer.WriteString("name", row.Case.Name);
                writer.WriteString("description", row.Case.Description);
                writer.WriteString("source", row.Case.Source);
                writer.WriteStartObject("statuses");
                for (var i = 0; i < matrix.Profiles.Length; i++)
                {
                    var outcome = row.Outcomes[i];
                    writer.WriteStartObject(matrix.Profiles[i].Name);
                    if (outcome.Fault != VpFault.None)
                    {
                        writer.WriteNull("status");
                        writer.WriteString("statusName", "fault " + outcome.Fault.ToString());
                    }
                    else
                    {
                        writer.WriteNumber("status", (ushort)outcome.Status);
                        writer.WriteString("statusName", HvStatusNames.TlfsName(outcome.Status));
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
