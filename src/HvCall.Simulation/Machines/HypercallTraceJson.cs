using System;
using System.Text.Json;
using HvCall.Abi;

namespace HvCall.Simulation.Machines;

/// <summary>One hypercall trace entry as JSON: the object of <c>hvcall simulate --json</c>'s "hypercalls" array (docs/cli.md).</summary>
public static class HypercallTraceJson
{
    /// <summary>Writes <paramref name="entry"/> as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="entry">The entry.</param>
    public static void Write(Utf8JsonWriter writer, in HypercallTraceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("timeNs", entry.Time);
        writer.WriteString("partition", entry.Partition);
        writer.WriteNumber("vp", entry.Vp);
        writer.WriteString("handledBy", entry.HandledBy);
        writer.WriteNumber("code", entry.Control.Code.Value);
        writer.WriteString("name", entry.Control.Code.ToString());
        writer.WriteNumber("control", entry.Control.Value);
        writer.WriteBoolean("fast", entry.Control.IsFast);
        writer.WriteNumber("repCount", entry.Control.RepCount);
        writer.WriteBoolean("nested", entry.Control.IsNested);
        writer.WriteNumber("status", (ushort)entry.Result.Status);
        writer.WriteString("statusName", HvStatusNames.TlfsName(entry.Result.Status));
        writer.WriteNumber("repsCompleted", entry.Result.RepsCompleted);
        writer.WriteNumber("executions", entry.Executions);
        writer.WriteEndObject();
    }
}
