using HvCall.Simulation.Text;
using System.CommandLine;
using System.IO;
using HvCall.Abi;
using HvCall.Abi.Catalog;
using HvCall.Cli.Infrastructure;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall decode VALUE [--result] [--json]</c>: splits a hypercall control word (or, with
/// <c>--result</c>, a result word) into its fields.
/// </summary>
internal static class DecodeCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var value = new Argument<ulong>("value")
        {
            Description = "The 64-bit word: decimal (2147483740) or hex (0x8000005C); underscores may separate digits.",
            CustomParser = static result =>
            {
                var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (NumberParser.TryParseUInt64(token, out var parsed, out var error))
                    return parsed;
                result.AddError(error);
                return 0;
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
            var word = parseResult.GetValue(value);
            var asJson = parseResult.GetValue(json);
            if (parseResult.GetValue(resultOption))
                WriteResult(context.Out, new HypercallResult(word), asJson);
            else
                WriteControl(context.Out, new HypercallControl(word), asJson);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteControl(TextWriter output, HypercallControl control, bool asJson)
    {
        var code = control.Code;
        if (asJson)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("code", code.Value);
                writer.WriteString("name", code.ToString());
                writer.WriteBoolean("fast", control.IsFast);
                writer.WriteNumber("variableHeaderSize", control.VariableHeaderSize);
                writer.WriteBoolean("nested", control.IsNested);
                writer.WriteNumber("repCount", control.RepCount);
                writer.WriteNumber("repStart", control.RepStart);
                writer.WriteBoolean("reservedBits", control.HasReservedBits);
                writer.WriteEndObject();
            });
            return;
        }

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
            ("rep count", control.RepCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("rep start", control.RepStart.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("reserved bits", reserved),
        ]);
    }

    private static void WriteResult(TextWriter output, HypercallResult result, bool asJson)
    {
        var statusName = HvStatusNames.TlfsName(result.Status);
        if (asJson)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("status", (ushort)result.Status);
                writer.WriteString("statusName", statusName);
                writer.WriteNumber("repsCompleted", result.RepsCompleted);
                writer.WriteEndObject();
            });
            return;
        }

        var known = HvStatusNames.IsDefined(result.Status) ? statusName : "(not a TLFS status)";
        var reservedBits = result.ReservedBits;
        var reserved = $"0x{reservedBits:X16}";
        if (reservedBits != 0)
            reserved += "  (reserved: bits 31:16 and 63:44 should be zero)";
        TextListing.WriteFields(output,
        [
            ("result word", $"0x{result.Value:X16}"),
            ("status", $"0x{(ushort)result.Status:X4}  {known}"),
            ("reps completed", result.RepsCompleted.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("reserved bits", reserved),
        ]);
    }
}
