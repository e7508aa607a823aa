using System.CommandLine;
using System.IO;
using HvCall.Abi;
using HvCall.Cli.Infrastructure;

namespace HvCall.Cli.Commands;

/// <summary>
/// <c>hvcall status NAME|VALUE [--json]</c>: looks a hypercall status up, name to value or value to name, with what it
/// means (<see cref="HvStatusNames.Describe"/>). Names as <see cref="NameLookup.TryFindStatus"/> takes them.
/// </summary>
internal static class StatusCommand
{
    /// <summary>Builds the verb.</summary>
    /// <param name="context">The streams the action writes to.</param>
    public static Command Create(CliContext context)
    {
        var status = new Argument<string>("status")
        {
            Description = "A status name (HV_STATUS_INVALID_CONNECTION_ID, invalid_connection_id, InvalidConnectionId: case, '_' and the HV_STATUS_ prefix do not matter) or value (0x12, 18).",
        };
        var json = CommonOptions.Json();
        var command = new Command("status", "Look a hypercall status up: name to value, value to name, with what it means.")
        {
            status,
            json,
        };
        command.SetAction(parseResult =>
        {
            var text = parseResult.GetValue(status) ?? string.Empty;
            if (!NameLookup.TryFindStatus(text, out var found, out var error))
                throw new CliUsageException(error);
            Write(context.Out, found, parseResult.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(TextWriter output, HvStatus status, bool asJson)
    {
        var name = HvStatusNames.TlfsName(status);
        var description = HvStatusNames.Describe(status);
        if (asJson)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("status", (ushort)status);
                writer.WriteString("statusName", name);
                if (description is null)
                    writer.WriteNull("description");
                else
                    writer.WriteString("description", description);
                writer.WriteEndObject();
            });
            return;
        }
        TextListing.WriteFields(output,
        [
            ("status", $"0x{(ushort)status:X4} ({(ushort)status})"),
            ("name", name),
            ("description", description ?? "-"),
        ]);
    }
}
