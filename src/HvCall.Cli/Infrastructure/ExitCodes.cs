namespace HvCall.Cli.Infrastructure;

/// <summary>The process exit codes of <c>hvcall</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure inside hvcall or the library (a bug); one line on stderr.</summary>
    public const int Failure = 1;

    /// <summary>A usage or input error: unknown option, missing argument, bad number, refused combination, a name or value
    /// a lookup does not know.</summary>
    public const int Usage = 2;

    /// <summary>Writing the output (or reading standard input) failed: a full disk, <c>/dev/full</c>, a closed pipe the
    /// stream reports. One line on stderr.</summary>
    public const int InputOutput = 4;
}
