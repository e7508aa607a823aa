using System.IO;

namespace HvCall.Cli.Infrastructure;

/// <summary>What a verb's action writes to: the process streams, or string writers in tests.</summary>
/// <param name="Out">Standard output: the verb's result, and nothing else.</param>
/// <param name="Error">Standard error: diagnostics.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error);
