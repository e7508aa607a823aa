using System.IO;

namespace HvCall.Cli.Infrastructure;

/// <summary>What a verb's action reads and writes: the process streams, or string readers and writers in tests.</summary>
/// <param name="Out">Standard output: the verb's result, and nothing else.</param>
/// <param name="Error">Standard error: diagnostics.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>Standard input (read by <c>decode -</c>); empty unless the caller gives one.</summary>
    public TextReader In { get; init; } = TextReader.Null;
}
