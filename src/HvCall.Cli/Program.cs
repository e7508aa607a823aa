using System;

namespace HvCall.Cli;

/// <summary>The process entry point of <c>hvcall</c>; all behaviour lives in <see cref="Cli"/>.</summary>
internal static class Program
{
    private static int Main(string[] args) => Cli.Run(args, Console.In, Console.Out, Console.Error);
}
