using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Cli.Infrastructure;
using HvCall.Guest.Routing;
using HvCall.Hypervisor;
using HvCall.Hypervisor.Dispatch;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall codes [NAME] [--nested-root] [--json]</c>: the hypercall catalog, one row per code, with whether the routing
/// table of the chosen configuration sets the nested bit for it and whether the simulated hypervisor handles it; with
/// <c>NAME</c> (a name or a code, <see cref="NameLookup"/>), that one code.
/// </summary>
internal static class CodesCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name")
        {
            Description = "One code to look up, by name (postmessage, HvCallPostMessage, HVCALL_POST_MESSAGE: case, '_' and the HvCall prefix do not matter) or value (0x5C).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var nestedRoot = CommonOptions.NestedRoot();
        var json = CommonOptions.Json();
        var command = new Command("codes", "List the hypercall catalog: code, name, shape, fast capability, extended, nested routing (x64), and whether the simulated hypervisor handles it.")
        {
            name,
            nestedRoot,
            json,
        };
        command.SetAction(parseResult =>
        {
            var routing = NestedRouting.Create(new RoutingConfiguration(HvArchitecture.X64, parseResult.GetValue(nestedRoot)));
            var dispatcher = SimulatedDispatcher();
            IReadOnlyList<HypercallInfo> entries = HypercallCatalog.All;
            var one = parseResult.GetValue(name);
            if (one is not null)
            {
                if (!NameLookup.TryFindCode(one, out var info, out var error))
                    throw new CliUsageException(error);
                entries = [info];
            }
            if (parseResult.GetValue(json))
                WriteJson(context.Out, entries, routing, dispatcher, single: one is not null);
            else
                WriteText(context.Out, entries, routing, dispatcher, summary: one is null);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The dispatcher of a fresh simulated hypervisor: the handler table every simulated layer (L0, L1) registers.</summary>
    internal static HypercallDispatcher SimulatedDispatcher() => new HvHypervisor("codes").Dispatcher;

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

    private static void WriteJson(TextWriter output, IReadOnlyList<HypercallInfo> entries, NestedRouting routing, HypercallDispatcher dispatcher, bool single)
    {
        JsonOutput.Write(output, writer =>
        {
            if (!single)
                writer.WriteStartArray();
            foreach (var info in entries)
            {
                writer.WriteStartObject();
                writer.WriteNumber("code", info.Code.Value);
                writer.WriteString("name", info.Name);
                writer.WriteString("shape", Spell(info.Shape));
                writer.WriteBoolean("fast", info.FastCapable);
                writer.WriteBoolean("extended", info.IsExtended);
                writer.WriteBoolean("nested", routing.IsNested(info.Code));
                writer.WriteBoolean("handled", dispatcher.IsRegistered(info.Code));
                writer.WriteEndObject();
            }
            if (!single)
                writer.WriteEndArray();
        });
    }

    private static void WriteText(TextWriter output, IReadOnlyList<HypercallInfo> entries, NestedRouting routing, HypercallDispatcher dispatcher, bool summary)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var info in entries)
        {
            rows.Add(
            [
                $"0x{info.Code.Value:X4}",
                info.Name,
                Spell(info.Shape),
                TextListing.YesNo(info.FastCapable),
                TextListing.YesNo(info.IsExtended),
                TextListing.YesNo(routing.IsNested(info.Code)),
                TextListing.YesNo(dispatcher.IsRegistered(info.Code)),
            ]);
        }
        TextListing.WriteTable(output, ["code", "name", "shape", "fast", "extended", "nested", "handled"], rows);
        if (!summary)
            return;
        var nestedCount = entries.Count(info => routing.IsNested(info.Code));
        var handledCount = entries.Count(info => dispatcher.IsRegistered(info.Code));
        output.WriteLine();
        output.WriteLine($"{entries.Count} codes; {nestedCount} sent nested ({(routing.IsEnabled ? "nested root" : "not a nested root")}, x64); " +
            $"{handledCount} handled by the simulated hypervisor.");
    }
}
