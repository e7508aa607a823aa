using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace HvCall.Cli.Infrastructure;

/// <summary>Formats human-readable output: aligned "label value" listings and column tables.</summary>
internal static class TextListing
{
    /// <summary>Writes one line per field, the values aligned two spaces after the longest label.</summary>
    /// <param name="output">Where the lines go.</param>
    /// <param name="fields">Label and value pairs, in order.</param>
    /// <param name="indent">Spaces before each label.</param>
    public static void WriteFields(TextWriter output, IReadOnlyList<(string Label, string Value)> fields, int indent = 0)
    {
        var width = fields.Count == 0 ? 0 : fields.Max(static f => f.Label.Length);
        var prefix = new string(' ', indent);
        foreach (var (label, value) in fields)
            output.WriteLine((prefix + label.PadRight(width) + "  " + value).TrimEnd());
    }

    /// <summary>Writes a header row and the rows beneath it, each column padded to its widest cell.</summary>
    /// <param name="output">Where the lines go.</param>
    /// <param name="header">The column titles.</param>
    /// <param name="rows">The rows; each has as many cells as <paramref name="header"/>.</param>
    public static void WriteTable(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = new int[header.Count];
        for (var c = 0; c < header.Count; c++)
            widths[c] = rows.Select(r => r[c].Length).Append(header[c].Length).Max();
        WriteRow(output, header, widths);
        foreach (var row in rows)
            WriteRow(output, row, widths);
    }

    /// <summary>Spells a flag as <c>yes</c> or <c>no</c>.</summary>
    /// <param name="value">The flag.</param>
    public static string YesNo(bool value) => value ? "yes" : "no";

    private static void WriteRow(TextWriter output, IReadOnlyList<string> cells, int[] widths)
    {
        var parts = cells.Select((cell, c) => cell.PadRight(widths[c]));
        output.WriteLine(string.Join("  ", parts).TrimEnd());
    }
}
