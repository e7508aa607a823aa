using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Cli.Infrastructure;
using HvCall.Guest.Routing;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall codes [--nested-root] [--json]</c>: the hypercall catalog, one row per code, with whether
/// the routing table of the chosen configuration sets the nested bit for it.
/// </summary>
internal static class CodesCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var nestedRoot = CommonOptions.NestedRoot();
        var json = CommonOptions.Json();
        var command = new Command("codes", "List the hypercall catalog: code, name, shape, fast capability, extended, and nested routing (x64).")
        {
            nestedRoot,
            json,
        };
        command.SetAction(parseResult =>
        {
            var routing = NestedRouting.Create(new RoutingConfiguration(HvArchitecture.X64, parseResult.GetValue(nestedRoot)));
            if (parseResult.GetValue(json))
                WriteJson(context.Out, routing);
            else
                WriteText(context.Out, routing);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The <c>shape</c> spelling: <c>simple</c>, <c>rep</c>, <c>variable</c> or <c>variable-rep</c>.</summary>
    /// <param name="shape">The shape.</param>
    internal static string Spell(HypercallShape shape) => shape switch
    {
        HypercallShape.Simple => "simple",
        HypercallShape.Rep => "rep",
        HypercallShape.Variable => "variable",
        HypercallShape.VariableRep => "variable-rep",
        _ => shape.ToString().ToLowerInvariant(),
    };

    private static void WriteJson(TextWriter output, NestedRouting routing)
    {
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartArray();
            foreach (var info in HypercallCatalog.All)
            {
                writer.WriteStartObject();
                writer.WriteNumber("code", info.Code.Value);
                writer.WriteString("name", info.Name);
                writer.WriteString("shape", Spell(info.Shape));
                writer.WriteBoolean("fast", info.FastCapable);
                writer.WriteBoolean("extended", info.IsExtended);
                writer.WriteBoolean("nested", routing.IsNested(info.Code));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
    }

    private static void WriteText(TextWriter output, NestedRouting routing)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var info in HypercallCatalog.All)
        {
            rows.Add(
            [
                $"0x{info.Code.Value:X4}",
                info.Name,
                Spell(info.Shape),
                TextListing.YesNo(info.FastCapable),
                TextListing.YesNo(info.IsExtended),
                TextListing.YesNo(routing.IsNested(info.Code)),
            ]);
        }
        TextListing.WriteTable(output, ["code", "name", "shape", "fast", "extended", "nested"], rows);
        var nestedCount = HypercallCatalog.All.Count(info => routing.IsNested(info.Code));
        output.WriteLine();
        output.WriteLine($"{HypercallCatalog.All.Length} codes; {nestedCount} sent nested ({(routing.IsEnabled ? "nested root" : "not a nested root")}, x64).");
    }
}
