using System;

namespace HvCall.Cli.Infrastructure;

/// <summary>
/// A usage or input error found while a verb runs (for example a combination of options the library
/// refuses). <see cref="Cli.Run(string[], System.IO.TextWriter, System.IO.TextWriter)"/> prints its message as one line on stderr and exits with
/// <see cref="ExitCodes.Usage"/>.
/// </summary>
internal sealed class CliUsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A one-line, user-facing explanation.</param>
    public CliUsageException(string message) : base(message) { }

    /// <summary>Creates the exception around the library exception that refused the request.</summary>
    /// <param name="message">A one-line, user-facing explanation.</param>
    /// <param name="inner">The library exception.</param>
    public CliUsageException(string message, Exception inner) : base(message, inner) { }
}
