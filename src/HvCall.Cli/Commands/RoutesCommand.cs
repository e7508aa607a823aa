using System;
using System.CommandLine;
using System.IO;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;
using HvCall.Guest.Routing;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall routes [--nested-root] [--arch x64|arm64] [--json]</c>: the nested routing table as the
/// library builds it (size, bytes, codes set) and the SynIC MSR redirects.
/// </summary>
internal static class RoutesCommand
{
    /// <summary>Bytes per line of the hex dump.</summary>
    private const int BytesPerLine = 16;

    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var nestedRoot = CommonOptions.NestedRoot();
        var architecture = CommonOptions.Architecture();
        var json = CommonOptions.Json();
        var command = new Command("routes", "Show the nested routing table (64 bytes, one bit per normal call code) and the SynIC MSR redirects.")
        {
            nestedRoot,
            architecture,
            json,
        };
        command.SetAction(parseResult =>
        {
            var configuration = new RoutingConfiguration(CommonOptions.ArchitectureOrDefault(parseResult.GetValue(architecture)), parseResult.GetValue(nestedRoot));
            var (table, msrs) = Build(configuration);
            if (parseResult.GetValue(json))
                WriteJson(context.Out, configuration, table, msrs);
            else
                WriteText(context.Out, configuration, table, msrs);
            return ExitCodes.Success;
        });
        return command;
    }

    private static (NestedRouting Table, SynicMsrRouting Msrs) Build(RoutingConfiguration configuration)
    {
        try
        {
            return (NestedRouting.Create(configuration), SynicMsrRouting.Create(configuration));
        }
        catch (NotSupportedException ex)
        {
            throw new CliUsageException(ex.Message, ex);
        }
    }

    private static void WriteJson(TextWriter output, RoutingConfiguration configuration, NestedRouting table, SynicMsrRouting msrs)
    {
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("architecture", CommonOptions.Spell(configuration.Architecture));
            writer.WriteBoolean("nestedRoot", configuration.NestedRoot);
            writer.WriteNumber("sizeBytes", table.Bytes.Length);
            writer.WriteString("bytes", Convert.ToHexStringLower(table.Bytes));
            writer.WriteStartArray("codes");
            foreach (var code in table.Codes)
                writer.WriteNumberValue(code.Value);
            writer.WriteEndArray();
            writer.WriteStartArray("synicMsrRedirects");
            foreach (var (from, to) in msrs.Redirects)
            {
                writer.WriteStartObject();
                writer.WriteNumber("msr", from);
                writer.WriteNumber("routedTo", to);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static void WriteText(TextWriter output, RoutingConfiguration configuration, NestedRouting table, SynicMsrRouting msrs)
    {
        TextListing.WriteFields(output,
        [
            ("architecture", CommonOptions.Spell(configuration.Architecture)),
            ("nested root", TextListing.YesNo(configuration.NestedRoot)),
            ("table size", $"{table.Bytes.Length} bytes (bit n of byte n/8 = call code n)"),
        ]);

        output.WriteLine();
        output.WriteLine("table bytes:");
        var bytes = table.Bytes;
        for (var offset = 0; offset < bytes.Length; offset += BytesPerLine)
        {
            var line = bytes.Slice(offset, Math.Min(BytesPerLine, bytes.Length - offset));
            output.WriteLine($"  0x{offset:X2}  {HexBytes(line)}");
        }

        output.WriteLine();
        var codes = table.Codes;
        output.WriteLine(codes.Count == 0 ? "nested codes: none" : "nested codes:");
        foreach (var code in codes)
            output.WriteLine($"  0x{code.Value:X4}  {code}");

        output.WriteLine();
        WriteMsrs(output, configuration, msrs);
    }

    private static string HexBytes(ReadOnlySpan<byte> bytes)
    {
        var parts = new string[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            parts[i] = bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(' ', parts);
    }

    private static void WriteMsrs(TextWriter output, RoutingConfiguration configuration, SynicMsrRouting msrs)
    {
        if (configuration.Architecture == HvArchitecture.Arm64)
        {
            output.WriteLine("SynIC MSR redirects: none (ARM64 reaches the SynIC through VP registers, not MSRs)");
            return;
        }
        var redirects = msrs.Redirects;
        if (redirects.Count == 0)
        {
            output.WriteLine("SynIC MSR redirects: none (every MSR is accessed as is)");
            return;
        }
        output.WriteLine("SynIC MSR redirects:");
        foreach (var (from, to) in redirects)
            output.WriteLine($"  0x{from:X8} -> 0x{to:X8}  {SynicMsrNames.NameOf(from)}".TrimEnd());
        output.WriteLine("  (SIRBP, the synthetic timers and every other MSR are not redirected)");
    }
}
