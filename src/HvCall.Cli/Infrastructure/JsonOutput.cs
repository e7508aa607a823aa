using System;
using System.Buffers;
using System.IO;
using System.Text;
using System.Text.Json;

namespace HvCall.Cli.Infrastructure;

/// <summary>
/// Writes one JSON document to a <see cref="TextWriter"/> through <see cref="Utf8JsonWriter"/>: no
/// reflection serialization, numbers written as JSON integers, indented, ending with a newline.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Indented = true };

    /// <summary>Builds a document with <paramref name="write"/> and writes it to <paramref name="output"/>.</summary>
    /// <param name="output">Where the document goes (stdout).</param>
    /// <param name="write">Writes exactly one JSON value.</param>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }
        output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.WriteLine();
    }
}
