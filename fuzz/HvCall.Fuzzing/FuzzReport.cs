using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using HvCall.Abi;
using HvCall.Abi.Catalog;

namespace HvCall.Fuzzing;

/// <summary>What an invariant check found wrong.</summary>
public enum FindingKind
{
    /// <summary>An exception escaped the hypervisor (the trap or a host callback it made).</summary>
    Exception,
    /// <summary>A #UD where the guest OS id was set, no #UD where it was not, or an exit kind that makes no sense.</summary>
    UnexpectedFault,
    /// <summary>A status the TLFS does not define, reserved result bits set, or reps completed out of range.</summary>
    InvalidResult,
    /// <summary>A byte of guest memory outside the call's output area (and outside the SynIC pages) changed.</summary>
    MemoryOutsideOutput,
    /// <summary>Output bytes written for a failed simple call or for reps beyond those completed.</summary>
    OutputNotEarned,
    /// <summary>A SynIC message slot changed other than by a delivery into a free slot or the MessagePending flag.</summary>
    MessageSlot,
    /// <summary>An event flag was cleared by the hypervisor, or set by a call that cannot set one, or more than one was set.</summary>
    EventFlags,
    /// <summary>Interrupts raised that no delivery or newly set flag accounts for.</summary>
    Interrupts,
    /// <summary>A port's message buffers are not all free, queued for a SynIC or waiting for host code.</summary>
    Buffers,
    /// <summary>Registers the call must not write changed (fast input, registers after the output, the instruction pointer).</summary>
    Registers,
    /// <summary>A rep call that never completed within its bound of re-executions.</summary>
    NoProgress,
    /// <summary>Ports or connections created or removed other than by a call that succeeded at exactly that.</summary>
    PortTable,
    /// <summary>State the hypervisor keeps per guest call grows without bound (a guest can exhaust the host's memory).</summary>
    UnboundedState,
}

/// <summary>One finding: what broke, where, and the first operation that showed it.</summary>
/// <param name="Kind">The invariant.</param>
/// <param name="Configuration">The machine.</param>
/// <param name="Operation">The index of the operation (0-based, in the configuration's sequence) that showed it first.</param>
/// <param name="Caller">The calling partition.</param>
/// <param name="Control">The control word as issued (0 for an MSR write or a guest-side action).</param>
/// <param name="Status">The status the call returned, or null when it did not complete.</param>
/// <param name="Detail">What exactly differed.</param>
public sealed record FuzzFinding(FindingKind Kind, string Configuration, long Operation, string Caller, ulong Control, HvStatus? Status, string Detail)
{
    /// <summary>How many operations showed the same kind, code and detail.</summary>
    public long Count { get; internal set; } = 1;

    /// <summary>One line: kind, configuration, operation, caller, control word, status, detail, count.</summary>
    public override string ToString() =>
        $"{Kind} [{Configuration} op {Operation.ToString(CultureInfo.InvariantCulture)} {Caller}] control 0x{Control:X16} ({CodeName((ushort)Control)}) " +
        $"status {(Status is { } s ? HvStatusNames.TlfsName(s) : "-")}: {Detail} (x{Count.ToString(CultureInfo.InvariantCulture)})";

    internal static string CodeName(ushort code) =>
        HypercallCatalog.TryGet(new HvCallCode(code), out var info) ? info.Name : $"0x{code:X4}";
}

/// <summary>The outcome key of one hypercall in the status tables: a status, a #UD or an SMCCC refusal.</summary>
public static class Outcome
{
    /// <summary>The instruction raised #UD (no guest OS id).</summary>
    public const int InvalidOpcode = -1;

    /// <summary>ARM64: X0 was not the Hyper-V function id, so SMCCC NOT_SUPPORTED came back.</summary>
    public const int SmcccNotSupported = -2;

    /// <summary>An exception escaped the hypervisor (always also a finding).</summary>
    public const int Exception = -3;

    /// <summary>A rep call still continuing after its bound of re-executions (always also a finding).</summary>
    public const int NoProgress = -4;

    /// <summary>The TLFS name of an outcome ("HV_STATUS_SUCCESS", "#UD", "SMCCC_NOT_SUPPORTED").</summary>
    /// <param name="outcome">A status value or one of the constants above.</param>
    public static string Name(int outcome) => outcome switch
    {
        InvalidOpcode => "#UD",
        SmcccNotSupported => "SMCCC_NOT_SUPPORTED",
        Exception => "EXCEPTION",
        NoProgress => "NO_PROGRESS",
        _ => HvStatusNames.TlfsName((HvStatus)outcome),
    };
}

/// <summary>What one configuration's run did: counts, the status table per code, and the findings.</summary>
public sealed class ConfigurationReport
{
    private readonly SortedDictionary<(ushort Code, int Outcome), long> _outcomes = new();
    private readonly Dictionary<string, long> _callers = new(StringComparer.Ordinal);
    private readonly List<FuzzFinding> _findings = [];
    private readonly Dictionary<(FindingKind, ushort, string), FuzzFinding> _findingIndex = [];

    internal ConfigurationReport(FuzzConfiguration configuration, ulong seed)
    {
        Configuration = configuration;
        Seed = seed;
    }

    /// <summary>The machine.</summary>
    public FuzzConfiguration Configuration { get; }

    /// <summary>The generator's seed for this configuration.</summary>
    public ulong Seed { get; }

    /// <summary>Hypercalls issued (each counted once however often a continued rep call re-executed).</summary>
    public long Calls { get; internal set; }

    /// <summary>Executions of the hypercall instruction (continuations included).</summary>
    public long Executions { get; internal set; }

    /// <summary>MSR reads and writes issued.</summary>
    public long MsrOperations { get; internal set; }

    /// <summary>Guest-side actions (freeing a message slot, clearing event flags, dropping or restoring the guest OS id)
    /// and host-side ones (draining a host port).</summary>
    public long OtherOperations { get; internal set; }

    /// <summary>Full comparisons of every page of guest memory with its shadow copy.</summary>
    public long FullMemoryChecks { get; internal set; }

    /// <summary>Wall-clock seconds the run took (not deterministic; everything else is).</summary>
    public double Seconds { get; internal set; }

    /// <summary>Calls per caller partition.</summary>
    public IReadOnlyDictionary<string, long> CallsPerCaller => _callers;

    /// <summary>Calls per (code, outcome): outcome is a status value, <see cref="Outcome.InvalidOpcode"/> or
    /// <see cref="Outcome.SmcccNotSupported"/>.</summary>
    public IReadOnlyDictionary<(ushort Code, int Outcome), long> Outcomes => _outcomes;

    /// <summary>Distinct findings in the order first seen.</summary>
    public IReadOnlyList<FuzzFinding> Findings => _findings;

    internal void Count(ushort code, int outcome, string caller)
    {
        Calls++;
        _outcomes[(code, outcome)] = _outcomes.GetValueOrDefault((code, outcome)) + 1;
        _callers[caller] = _callers.GetValueOrDefault(caller) + 1;
    }

    internal void Add(FuzzFinding finding)
    {
        var key = (finding.Kind, (ushort)finding.Control, Generalize(finding.Detail));
        if (_findingIndex.TryGetValue(key, out var existing))
        {
            existing.Count++;
            return;
        }
        _findingIndex[key] = finding;
        _findings.Add(finding);
    }

    // Findings are grouped by their detail with the numbers taken out (GPAs, offsets), so one bug is one line.
    private static string Generalize(string detail)
    {
        var builder = new StringBuilder(detail.Length);
        for (var i = 0; i < detail.Length;)
        {
            if (char.IsAsciiDigit(detail[i]))
            {
                while (i < detail.Length && (char.IsAsciiHexDigit(detail[i]) || detail[i] == 'x'))
                    i++;
                builder.Append('#');
            }
            else
            {
                builder.Append(detail[i++]);
            }
        }
        return builder.ToString();
    }

    /// <summary>A determinism fingerprint: every count, outcome and finding, as text (no timings).</summary>
    public string Fingerprint()
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"{Configuration.Name} {Seed} {Calls} {Executions} {MsrOperations} {OtherOperations}\n");
        foreach (var ((code, outcome), n) in _outcomes)
            builder.Append(CultureInfo.InvariantCulture, $"{code:X4} {outcome} {n}\n");
        foreach (var f in _findings)
            builder.Append(f).Append('\n');
        return builder.ToString();
    }
}

/// <summary>A whole run: one report per configuration.</summary>
public sealed class FuzzReport
{
    /// <summary>A report over configuration reports already run.</summary>
    /// <param name="options">The options of the run.</param>
    /// <param name="configurations">One report per configuration.</param>
    public FuzzReport(FuzzOptions options, IReadOnlyList<ConfigurationReport> configurations)
    {
        Options = options;
        Configurations = configurations;
    }

    /// <summary>The options of the run.</summary>
    public FuzzOptions Options { get; }

    /// <summary>One report per configuration, in order.</summary>
    public IReadOnlyList<ConfigurationReport> Configurations { get; }

    /// <summary>Hypercalls issued in all.</summary>
    public long Calls => Configurations.Sum(c => c.Calls);

    /// <summary>Every finding of every configuration.</summary>
    public IEnumerable<FuzzFinding> Findings => Configurations.SelectMany(c => c.Findings);

    /// <summary>Wall-clock seconds in all.</summary>
    public double Seconds => Configurations.Sum(c => c.Seconds);

    /// <summary>Calls per (code, outcome) over every configuration.</summary>
    public SortedDictionary<(ushort Code, int Outcome), long> Outcomes()
    {
        var all = new SortedDictionary<(ushort Code, int Outcome), long>();
        foreach (var c in Configurations)
            foreach (var (key, n) in c.Outcomes)
                all[key] = all.GetValueOrDefault(key) + n;
        return all;
    }

    /// <summary>The report as text: a line per configuration, the status table per code (catalog codes and the unknown
    /// ones folded together), and the findings.</summary>
    /// <param name="perCode">Whether to print the per-code status table.</param>
    public string Format(bool perCode = true)
    {
        var b = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        b.Append(ic, $"seed {Options.Seed}, {Calls:N0} calls in {Seconds:F1} s ({Rate(Calls, Seconds)} calls/s)\n");
        b.Append("configuration                calls   execs     msr  other  full-checks  calls/s  findings  callers\n");
        foreach (var c in Configurations)
        {
            var callers = string.Join(" ", c.CallsPerCaller.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
            b.Append(ic, $"{c.Configuration.Name,-24} {c.Calls,9} {c.Executions,7} {c.MsrOperations,7} {c.OtherOperations,6} {c.FullMemoryChecks,12} {Rate(c.Calls, c.Seconds),8} {c.Findings.Count,9}  {callers}\n");
        }
        if (perCode)
        {
            b.Append("\nper code (all configurations): calls, then outcomes by share\n");
            var table = Outcomes();
            var unknown = new SortedDictionary<int, long>();
            long unknownCalls = 0;
            foreach (var group in table.GroupBy(kv => kv.Key.Code))
            {
                var code = group.Key;
                var total = group.Sum(kv => kv.Value);
                if (!HypercallCatalog.TryGet(new HvCallCode(code), out var info))
                {
                    unknownCalls += total;
                    foreach (var kv in group)
                        unknown[kv.Key.Outcome] = unknown.GetValueOrDefault(kv.Key.Outcome) + kv.Value;
                    continue;
                }
                b.Append(ic, $"  0x{code:X4} {info.Name,-44} {total,9}  {Shares(group.Select(kv => (kv.Key.Outcome, kv.Value)), total)}\n");
            }
            b.Append(ic, $"  {"(codes outside the catalog)",-51} {unknownCalls,9}  {Shares(unknown.Select(kv => (kv.Key, kv.Value)), unknownCalls)}\n");
        }
        var findings = Findings.ToList();
        b.Append(ic, $"\nfindings: {findings.Count}\n");
        foreach (var f in findings)
            b.Append("  ").Append(f).Append('\n');
        return b.ToString();
    }

    private static string Shares(IEnumerable<(int Outcome, long Count)> outcomes, long total) =>
        string.Join(", ", outcomes.OrderByDescending(o => o.Count).ThenBy(o => o.Outcome)
            .Select(o => $"{Short(o.Outcome)} {100.0 * o.Count / Math.Max(1, total):F1}%"));

    private static string Short(int outcome) => Outcome.Name(outcome).Replace("HV_STATUS_", "", StringComparison.Ordinal);

    private static string Rate(long calls, double seconds) =>
        seconds > 0 ? (calls / seconds).ToString("N0", CultureInfo.InvariantCulture) : "-";
}
