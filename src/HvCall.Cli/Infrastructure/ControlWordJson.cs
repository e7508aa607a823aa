using System.Text.Json;
using HvCall.Abi;

namespace HvCall.Cli.Infrastructure;

/// <summary>The fields of a hypercall control word as JSON properties, the same in <c>decode</c> and <c>call</c>.</summary>
internal static class ControlWordJson
{
    /// <summary>Writes code, name, fast, variableHeaderSize, nested, repCount, repStart, reservedBits and reservedBitsValue
    /// into the open object (hyperv-abi.md §1: the control word's fields).</summary>
    public static void WriteFields(Utf8JsonWriter writer, HypercallControl control)
    {
        writer.WriteNumber("code", control.Code.Value);
        writer.WriteString("name", control.Code.ToString());
        writer.WriteBoolean("fast", control.IsFast);
        writer.WriteNumber("variableHeaderSize", control.VariableHeaderSize);
        writer.WriteBoolean("nested", control.IsNested);
        writer.WriteNumber("repCount", control.RepCount);
        writer.WriteNumber("repStart", control.RepStart);
        writer.WriteBoolean("reservedBits", control.HasReservedBits);
        writer.WriteNumber("reservedBitsValue", control.ReservedBits);
    }
}
