using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Xunit;

namespace HvCall.Abi.Tests.Support;

/// <summary>One data line of a golden file, with the place it came from for failure messages.</summary>
/// <param name="File">The file name, such as <c>codes.txt</c>.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Fields">The whitespace-separated fields.</param>
internal sealed record GoldenLine(string File, int Line, string[] Fields)
{
    /// <summary><c>file:line</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>Parses field <paramref name="index"/> as <c>0x</c>-prefixed hex.</summary>
    public ulong Hex(int index) => ParseHex(Fields[index], this);

    /// <summary>The <c>key=value</c> fields after the first, as a dictionary.</summary>
    public Dictionary<string, string> KeyValues()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < Fields.Length; i++)
        {
            var eq = Fields[i].IndexOf('=', StringComparison.Ordinal);
            Assert.True(eq > 0, $"{Location}: field '{Fields[i]}' is not key=value");
            map[Fields[i][..eq]] = Fields[i][(eq + 1)..];
        }
        return map;
    }

    /// <summary>Parses <c>0x</c>-prefixed hex or decimal.</summary>
    public static ulong ParseHex(string text, GoldenLine where)
    {
        var ok = text.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        Assert.True(ok, $"{where.Location}: '{text}' is not a number");
        return value;
    }
}

/// <summary>Reads the golden data files copied next to the test assembly (Golden/*.txt).</summary>
internal static class GoldenFile
{
    /// <summary>The data lines of <paramref name="name"/>: blank lines and <c>#</c> comments skipped.</summary>
    public static IReadOnlyList<GoldenLine> Read(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        var lines = new List<GoldenLine>();
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            var trimmed = text.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            lines.Add(new GoldenLine(name, number, trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        }
        return lines;
    }

    /// <summary>Theory rows: the <c>file:line</c> location of every data line.</summary>
    public static TheoryData<string> Locations(string name)
    {
        var data = new TheoryData<string>();
        foreach (var line in Read(name))
            data.Add(line.Location);
        return data;
    }

    /// <summary>The line at a <c>file:line</c> location produced by <see cref="Locations"/>.</summary>
    public static GoldenLine At(string location)
    {
        var colon = location.LastIndexOf(':');
        var file = location[..colon];
        var number = int.Parse(location.AsSpan(colon + 1), CultureInfo.InvariantCulture);
        foreach (var line in Read(file))
        {
            if (line.Line == number)
                return line;
        }
        throw new InvalidOperationException($"{location}: no data line there");
    }
}
