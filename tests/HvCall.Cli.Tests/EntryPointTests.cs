using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>Runs the built hvcall.dll out of process, proving Program.Main wires up to <c>Cli.Run</c>.</summary>
public sealed class EntryPointTests
{
    [Fact]
    public void DecodeThroughRealEntryPoint()
    {
        var (exitCode, stdout, stderr) = RunHvcall("decode", "0x8000005C", "--json");
        Assert.True(exitCode == 0, $"exit {exitCode}, stderr: {stderr}");
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        JsonAssert.Number(json.RootElement, "code", 92);
        JsonAssert.Bool(json.RootElement, "nested", true);
    }

    [Fact]
    public void UsageErrorThroughRealEntryPoint()
    {
        var (exitCode, stdout, stderr) = RunHvcall("decode", "zz");
        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static (int ExitCode, string Stdout, string Stderr) RunHvcall(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hvcall.dll");
        Assert.True(File.Exists(dll), $"{dll} was not copied next to the tests.");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            Assert.Fail("hvcall did not exit within 60 s.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    internal static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
            return host;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root))
        {
            var candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(candidate))
                return candidate;
        }
        return "dotnet";
    }
}
