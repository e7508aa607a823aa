using System;
using System.CommandLine;
using System.IO;
using HvCall.Cli.Infrastructure;
using HvCall.Simulation.Machines;
using HvCall.Tracing.Kvm;
using HvCall.Tracing.Perfetto;

namespace HvCall.Cli.Commands;

/// <summary>
/// The files <c>hvcall simulate</c> can write the machine's event stream to: a KVM-format log (<c>--trace-out</c>,
/// <c>--trace-format kvm</c>) and a Perfetto timeline (<c>--perfetto</c>). Attached before the run, closed after it.
/// </summary>
internal sealed class TraceOutputs : IDisposable
{
    private FileStream? _kvmFile;
    private KvmTraceWriter? _kvm;
    private FileStream? _perfettoFile;
    private PerfettoWriter? _perfetto;

    /// <summary>The option <c>--trace-out FILE</c>.</summary>
    public static Option<string> TraceOutOption() => new("--trace-out")
    {
        Description = "Write the run's events to FILE as KVM's tracepoints print them in raw ftrace text (read it back with hvcall trace).",
        HelpName = "FILE",
    };

    /// <summary>The option <c>--trace-format kvm</c>.</summary>
    public static Option<string> TraceFormatOption() => CommonOptions.Choice("--trace-format", "trace format",
        "The format of --trace-out: kvm (the only one, default): kvm_hv_hypercall, kvm_hv_hypercall_done, kvm_hv_synic_set_msr, kvm_msr, kvm_hv_synic_set_irq, kvm_hv_notify_acked_sint.",
        "kvm");

    /// <summary>The option <c>--perfetto FILE</c>.</summary>
    public static Option<string> PerfettoOption() => new("--perfetto")
    {
        Description = "Write a timeline of the run to FILE as Chrome trace-event JSON (open it at ui.perfetto.dev).",
        HelpName = "FILE",
    };

    /// <summary>Opens the files asked for and attaches their writers to <paramref name="machine"/>'s events.</summary>
    /// <exception cref="CliUsageException">A file cannot be created.</exception>
    public static TraceOutputs Attach(Machine machine, string? kvmPath, string? perfettoPath)
    {
        var outputs = new TraceOutputs();
        try
        {
            if (kvmPath is not null)
            {
                outputs._kvmFile = Create(kvmPath);
                outputs._kvm = new KvmTraceWriter(outputs._kvmFile, machine.Events);
                machine.Events.Attach(outputs._kvm);
            }
            if (perfettoPath is not null)
            {
                outputs._perfettoFile = Create(perfettoPath);
                outputs._perfetto = new PerfettoWriter(outputs._perfettoFile, machine.Events, SimulatedProcessor.HypercallCostNs);
                machine.Events.Attach(outputs._perfetto);
            }
            return outputs;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }

    /// <summary>Finishes and closes the files.</summary>
    public void Dispose()
    {
        _kvm?.Dispose();
        _kvmFile?.Dispose();
        _perfetto?.Dispose();
        _perfettoFile?.Dispose();
    }

    /// <summary>Creates (or truncates) an output file.</summary>
    /// <exception cref="CliUsageException">It cannot be created: one line naming the file and why.</exception>
    public static FileStream Create(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"cannot write '{path}': {ex.Message}");
        }
    }
}
