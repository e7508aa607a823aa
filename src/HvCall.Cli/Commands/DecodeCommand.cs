using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text.Json;
using HvCall.Simulation.Text;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Cli.Infrastructure;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall decode VALUE|- [--result] [--json]</c>: splits a hypercall control word (or, with <c>--result</c>, a result
/// word) into its fields; <c>-</c> decodes every line of standard input.
/// </summary>
internal static class DecodeCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var value = new Argument<WordArgument>("value")
        {
            Description = "The 64-bit word: decimal (2147483740) or hex (0x8000005C); underscores may separate digits. " +
                "'-' reads one value per line from standard input (blank lines skipped).",
            CustomParser = static result =>
            {
                var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (token == StandardInput)
                    return new WordArgument(0, FromStandardInput: true);
                if (NumberParser.TryParseUInt64(token, out var parsed, out var error))
                    return new WordArgument(parsed, FromStandardInput: false);
                result.AddError(error);
                return default;
            },
        };
        var resultOption = new Option<bool>("--result")
        {
            Description = "Decode a hypercall result word (status, reps completed) instead of a control word.",
        };
        var json = CommonOptions.Json();

        var command = new Command("decode", "Decode a hypercall control word (RCX/X1) or, with --result, a result word (RAX/X0).")
        {
            value,
            resultOption,
            json,
        };
        command.SetAction(parseResult =>
        {
            var asJson = parseResult.GetValue(json);
            var asResult = parseResult.GetValue(resultOption);
            var word = parseResult.GetValue(value);
            if (word.FromStandardInput)
                return DecodeLines(context, asResult, asJson);
            Write(context.Out, word.Word, asResult, asJson);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The argument that reads the values from standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>The <c>value</c> argument: a word, or <c>-</c> for the lines of standard input.</summary>
    /// <param name="Word">The word given.</param>
    /// <param name="FromStandardInput">True for <c>-</c>.</param>
    private readonly record struct WordArgument(ulong Word, bool FromStandardInput);

    private static void Write(TextWriter output, ulong word, bool asResult, bool asJson)
    {
        if (asJson)
            JsonOutput.Write(output, writer => WriteJson(writer, word, asResult, line: null));
        else if (asResult)
            WriteResultText(output, new HypercallResult(word));
        else
            WriteControlText(output, new HypercallControl(word));
    }

    /// <summary>
    /// <c>decode -</c>: one value per line of standard input, blank lines skipped. Text: the blocks one after another, a
    /// blank line between them; JSON: one array of the objects, each with its <c>line</c>. A bad line is one line on
    /// stderr naming its number, and the rest are still decoded; any bad line makes the exit code 2.
    /// </summary>
    private static int DecodeLines(CliContext context, bool asResult, bool asJson)
    {
        var values = new List<(int Line, ulong Word)>();
        var bad = 0;
        var number = 0;
        while (context.In.ReadLine() is { } text)
        {
            number++;
            var token = text.Trim();
            if (token.Length == 0)
                continue;
            if (NumberParser.TryParseUInt64(token, out var word, out var error))
            {
                values.Add((number, word));
                continue;
            }
            bad++;
            context.Error.WriteLine($"hvcall: error: line {number}: {error}");
        }
        if (asJson)
        {
            JsonOutput.Write(context.Out, writer =>
            {
                writer.WriteStartArray();
                foreach (var (line, word) in values)
                    WriteJson(writer, word, asResult, line);
                writer.WriteEndArray();
            });
        }
        else
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                    context.Out.WriteLine();
                Write(context.Out, values[i].Word, asResult, asJson: false);
            }
        }
        return bad == 0 ? ExitCodes.Success : ExitCodes.Usage;
    }

    private static void WriteJson(Utf8JsonWriter writer, ulong word, bool asResult, int? line)
    {
        writer.WriteStartObject();
        if (line is { } number)
            writer.WriteNumber("line", number);
        if (asResult)
        {
            var result = new HypercallResult(word);
            writer.WriteNumber("status", (ushort)result.Status);
            writer.WriteString("statusName", HvStatusNames.TlfsName(result.Status));
            writer.WriteNumber("repsCompleted", result.RepsCompleted);
            writer.WriteNumber("reservedBitsValue", result.ReservedBits);
        }
        else
        {
            ControlWordJson.WriteFields(writer, new HypercallControl(word));
        }
        writer.WriteEndObject();
    }

    private static void WriteControlText(TextWriter output, HypercallControl control)
    {
        var code = control.Code;
        var name = HypercallCatalog.TryGet(code, out var info) ? info.Name : "(not in the catalog)";
        var reserved = $"0x{control.ReservedBits:X16}";
        if (control.HasReservedBits)
            reserved += "  (must be zero: the hypervisor answers HV_STATUS_INVALID_HYPERCALL_INPUT)";
        TextListing.WriteFields(output,
        [
            ("control word", control.ToString()),
            ("code", $"0x{code.Value:X4}  {name}"),
            ("fast", TextListing.YesNo(control.IsFast)),
            ("variable header size", $"{control.VariableHeaderSize} ({control.VariableHeaderSize * 8} bytes)"),
            ("nested", TextListing.YesNo(control.IsNested)),
            ("rep count", control.RepCount.ToString(CultureInfo.InvariantCulture)),
            ("rep start", control.RepStart.ToString(CultureInfo.InvariantCulture)),
            ("reserved bits", reserved),
        ]);
    }

    private static void WriteResultText(TextWriter output, HypercallResult result)
    {
        var known = HvStatusNames.IsDefined(result.Status) ? HvStatusNames.TlfsName(result.Status) : "(not a TLFS status)";
        var reservedBits = result.ReservedBits;
        var reserved = $"0x{reservedBits:X16}";
        if (reservedBits != 0)
            reserved += "  (reserved: bits 31:16 and 63:44 should be zero)";
        TextListing.WriteFields(output,
        [
            ("result word", $"0x{result.Value:X16}"),
            ("status", $"0x{(ushort)result.Status:X4}  {known}"),
            ("reps completed", result.RepsCompleted.ToString(CultureInfo.InvariantCulture)),
            ("reserved bits", reserved),
        ]);
    }
}
