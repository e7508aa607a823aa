using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace HvCall.Cli.Tests;

/// <summary>
/// <c>hvcall conformance [--markdown|--json]</c>: the matrix case × host profile → status. The expected cells are typed
/// from host-implementations.md §1.9 (the table of differences: TLFS = hyperv, KVM = kvm/kvm-relay with QEMU behind it for
/// what KVM hands to userspace, QEMU = qemu, OVMM = openvmm), §2.1-§2.2 and §3, not recomputed from the profiles. Where
/// the sheet says "n/a" or "not checked", the host goes on with an otherwise good call aimed at a served connection:
/// SUCCESS. docs/host-profiles.md holds the <c>--markdown</c> output, checked here.
/// </summary>
public sealed class ConformanceCommandTests
{
    // hyperv-abi.md §3 / host-implementations.md §1.8 status values.
    private const int Success = 0x0;
    private const int InvalidCode = 0x2;
    private const int InvalidInput = 0x3;
    private const int InvalidAlignment = 0x4;
    private const int InvalidParameter = 0x5;
    private const int AccessDenied = 0x6;
    private const int InsufficientMemory = 0xB;
    private const int InvalidPortId = 0x11;
    private const int InvalidConnectionId = 0x12;
    private const int InsufficientBuffers = 0x13;

    private static readonly string[] Profiles = ["hyperv", "kvm", "kvm-relay", "qemu", "openvmm"];

    private static readonly Lazy<string> JsonText = new(() => CliRunner.Ok("conformance", "--json").Stdout);

    [Theory]
    // §1.9 "unknown code": 0x2 on every host.
    [InlineData("unknown-code", "hyperv", InvalidCode)]
    [InlineData("unknown-code", "openvmm", InvalidCode)]
    // §1.9 "reserved control bit set": TLFS 0x3, KVM 0x3 (its mask), QEMU n/a, OVMM not checked.
    [InlineData("reserved-control-bit", "hyperv", InvalidInput)]
    [InlineData("reserved-control-bit", "kvm", InvalidInput)]
    [InlineData("reserved-control-bit", "qemu", Success)]
    [InlineData("reserved-control-bit", "openvmm", Success)]
    // §1.9 "rep count on simple / 0 on rep / start ≥ count": TLFS 0x3, KVM 0x3 per code (§4.4), QEMU n/a, OVMM 0x3.
    [InlineData("rep-count-on-simple", "kvm", InvalidInput)]
    [InlineData("rep-count-on-simple", "qemu", Success)]
    [InlineData("rep-count-on-simple", "openvmm", InvalidInput)]
    [InlineData("rep-count-zero-flush-list", "kvm", InvalidInput)]
    [InlineData("rep-start-past-count-get-vp-registers", "openvmm", InvalidInput)]
    [InlineData("rep-start-past-count-get-vp-registers", "kvm", InvalidCode)] // §4.4: no 0x0050 in KVM's switch
    // §1.9 "var header on non-variable call": TLFS 0x3, KVM 0x3, QEMU n/a, OVMM 0x3.
    [InlineData("variable-header-on-fixed-call", "hyperv", InvalidInput)]
    [InlineData("variable-header-on-fixed-call", "qemu", Success)]
    [InlineData("variable-header-on-fixed-call", "openvmm", InvalidInput)]
    // §1.9 "misaligned GPA": 0x4 (KVM: SignalEvent); §6: QEMU's PostMessage needs only 4-byte alignment.
    [InlineData("misaligned-gpa-signal-event", "kvm", InvalidAlignment)]
    [InlineData("misaligned-gpa-signal-event", "qemu", InvalidAlignment)]
    [InlineData("misaligned-gpa-post-message", "hyperv", InvalidAlignment)]
    [InlineData("misaligned-gpa-post-message", "qemu", Success)]
    [InlineData("misaligned-gpa-post-message", "openvmm", InvalidAlignment)]
    // §1.9 "list crosses page": TLFS 0x4, QEMU not checked (KVM hands PostMessage to it), OVMM 0x3 (Straddle).
    [InlineData("list-crosses-page", "hyperv", InvalidAlignment)]
    [InlineData("list-crosses-page", "kvm", Success)]
    [InlineData("list-crosses-page", "qemu", Success)]
    [InlineData("list-crosses-page", "openvmm", InvalidInput)]
    // §1.9 "GPA unreadable / outside RAM": TLFS 0x4, KVM SignalEvent 0x4, QEMU 0xB, OVMM 0x3.
    [InlineData("gpa-outside-ram-post-message", "hyperv", InvalidAlignment)]
    [InlineData("gpa-outside-ram-post-message", "kvm", InsufficientMemory)]
    [InlineData("gpa-outside-ram-post-message", "qemu", InsufficientMemory)]
    [InlineData("gpa-outside-ram-post-message", "openvmm", InvalidInput)]
    [InlineData("gpa-outside-ram-signal-event", "kvm", InvalidAlignment)]
    // §1.9 "Fast flag on call without fast form": KVM ext calls 0x5, QEMU PostMessage fast 0x2, OVMM too big 0x3.
    [InlineData("fast-post-message", "qemu", InvalidCode)]
    [InlineData("fast-post-message", "kvm", InvalidCode)]
    [InlineData("fast-post-message", "openvmm", InvalidInput)]
    [InlineData("fast-ext-query-capabilities", "kvm", InvalidParameter)]
    [InlineData("fast-input-too-large", "openvmm", InvalidInput)]
    // §1.9 "missing privilege": TLFS 0x6, KVM 0x6 with ENFORCE_CPUID only, QEMU –, OVMM –.
    [InlineData("missing-privilege", "hyperv", AccessDenied)]
    [InlineData("missing-privilege", "kvm", Success)]
    [InlineData("missing-privilege", "openvmm", Success)]
    [InlineData("missing-privilege-enforce-cpuid", "kvm", AccessDenied)]
    [InlineData("missing-privilege-enforce-cpuid", "kvm-relay", AccessDenied)]
    [InlineData("missing-privilege-enforce-cpuid", "qemu", Success)]
    // §1.9 "no message buffers / queue full": 0x13 (QEMU's rx queue of 16; KVM's PostMessage goes to QEMU).
    [InlineData("queue-full", "hyperv", InsufficientBuffers)]
    [InlineData("queue-full", "kvm", InsufficientBuffers)]
    [InlineData("queue-full", "openvmm", InsufficientBuffers)]
    // §2.1 PostMessage: TLFS type 0 / size > 240 → 0x5; §6 QEMU type ≠ 1 → 0x3, size > 240 → 0x3; §7 OVMM size → 0x5 only.
    [InlineData("post-message-bad-type", "hyperv", InvalidParameter)]
    [InlineData("post-message-bad-type", "qemu", InvalidInput)]
    [InlineData("post-message-bad-type", "openvmm", Success)]
    [InlineData("post-message-payload-over-240", "kvm", InvalidInput)]
    [InlineData("post-message-payload-over-240", "openvmm", InvalidParameter)]
    // §2.2 SignalEvent: TLFS flag ≥ count → 0x5; §4.4/§6 flag number ≠ 0 → 0x11, other bits → 0x3; §7 OVMM ignores it.
    [InlineData("signal-event-flag-out-of-range", "hyperv", InvalidParameter)]
    [InlineData("signal-event-flag-out-of-range", "kvm", InvalidPortId)]
    [InlineData("signal-event-flag-out-of-range", "qemu", InvalidPortId)]
    [InlineData("signal-event-flag-out-of-range", "openvmm", Success)]
    [InlineData("signal-event-reserved-nonzero", "kvm", InvalidInput)]
    // §3: KVM's handler rejects bit 31 (0x3); the relay clears it for 0x5C/0x5D; Hyper-V as L0 accepts it.
    [InlineData("nested-root-post-message", "hyperv", Success)]
    [InlineData("nested-root-post-message", "kvm", InvalidInput)]
    [InlineData("nested-root-post-message", "kvm-relay", Success)]
    [InlineData("nested-root-signal-event", "kvm", InvalidInput)]
    [InlineData("nested-root-signal-event", "kvm-relay", Success)]
    public void Cell_matches_the_sheet(string caseName, string profile, int expected)
    {
        using var json = JsonDocument.Parse(JsonText.Value);
        var cell = Case(json, caseName).GetProperty("statuses").GetProperty(profile);
        Assert.Equal(expected, cell.GetProperty("status").GetInt32());
    }

    [Theory] // §1.9 "invalid connection id": 0x12 on every host, PostMessage and SignalEvent.
    [InlineData("hyperv")]
    [InlineData("kvm")]
    [InlineData("kvm-relay")]
    [InlineData("qemu")]
    [InlineData("openvmm")]
    public void Unknown_connection_is_0x12_on_every_profile(string profile)
    {
        using var json = JsonDocument.Parse(JsonText.Value);
        foreach (var name in (string[])["invalid-connection-id-post-message", "invalid-connection-id-signal-event"])
        {
            var cell = Case(json, name).GetProperty("statuses").GetProperty(profile);
            JsonAssert.Number(cell, "status", InvalidConnectionId);
            JsonAssert.String(cell, "statusName", "HV_STATUS_INVALID_CONNECTION_ID");
        }
    }

    [Fact]
    public void Json_has_the_profiles_and_one_object_per_case_with_every_profile()
    {
        using var json = JsonDocument.Parse(JsonText.Value);
        var root = json.RootElement;
        Assert.Equal(Profiles, root.GetProperty("profiles").EnumerateArray().Select(static p => p.GetString()));
        var cases = root.GetProperty("cases").EnumerateArray().ToArray();
        Assert.True(cases.Length >= 19, $"{cases.Length} cases");
        var names = cases.Select(static c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(cases, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("description").GetString()));
            Assert.StartsWith("host-implementations.md §", c.GetProperty("source").GetString(), StringComparison.Ordinal);
            var statuses = c.GetProperty("statuses");
            Assert.Equal(Profiles, statuses.EnumerateObject().Select(static p => p.Name));
            Assert.All(statuses.EnumerateObject(), p =>
            {
                Assert.Equal(JsonValueKind.Number, p.Value.GetProperty("status").ValueKind);
                Assert.StartsWith("HV_STATUS_", p.Value.GetProperty("statusName").GetString(), StringComparison.Ordinal);
            });
        });
        JsonAssert.String(Case(json, "list-crosses-page").GetProperty("statuses").GetProperty("openvmm"), "statusName", "HV_STATUS_INVALID_HYPERCALL_INPUT");
    }

    [Fact]
    public void Every_row_of_the_table_of_differences_has_a_case()
    {
        using var json = JsonDocument.Parse(JsonText.Value);
        var sources = json.RootElement.GetProperty("cases").EnumerateArray().Select(static c => c.GetProperty("source").GetString()!).ToArray();
        // host-implementations.md §1.9, every row but "XMM fast not advertised" (#UD: not modelled).
        string[] rows =
        [
            "unknown code", "reserved control bit set", "rep count on simple / 0 on rep / start ≥ count", "var header on non-variable call",
            "misaligned GPA", "list crosses page", "GPA unreadable / outside RAM", "Fast flag on call without fast form",
            "missing privilege", "invalid connection id", "no message buffers / queue full",
        ];
        Assert.All(rows, row => Assert.Contains(sources, s => s.Contains($"§1.9 row \"{row}\"", StringComparison.Ordinal)));
        Assert.Contains(sources, s => s.Contains("§2.1", StringComparison.Ordinal));
        Assert.Contains(sources, s => s.Contains("§2.2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData]
    [InlineData("--markdown")]
    [InlineData("--json")]
    public void Two_runs_print_the_same(params string[] options)
    {
        var first = CliRunner.Ok(["conformance", .. options]).Stdout;
        var second = CliRunner.Ok(["conformance", .. options]).Stdout;
        Assert.Equal(first, second);
        Assert.NotEmpty(first);
    }

    [Fact]
    public void Text_is_an_aligned_table_then_the_cases()
    {
        var lines = CliRunner.Ok("conformance").Stdout.Split('\n');
        Assert.Equal(["case", .. Profiles], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = lines.First(l => l.StartsWith("list-crosses-page ", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("hyperv", StringComparison.Ordinal), row.IndexOf("0x4 INVALID_ALIGNMENT", StringComparison.Ordinal));
        Assert.EndsWith("0x3 INVALID_HYPERCALL_INPUT", row, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("queue-full ", StringComparison.Ordinal) && l.Contains("§1.9", StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_starts_with_the_matrix_header()
    {
        var lines = CliRunner.Ok("conformance", "--markdown").Stdout.Split('\n');
        Assert.Equal("| case | hyperv | kvm | kvm-relay | qemu | openvmm |", lines[0]);
        Assert.Equal("|---|---|---|---|---|---|", lines[1]);
        Assert.Contains("| `missing-privilege` | 0x6 ACCESS_DENIED | 0x0 SUCCESS | 0x0 SUCCESS | 0x0 SUCCESS | 0x0 SUCCESS |", lines);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--markdown", "--json")]
    [InlineData("extra")]
    public void Bad_options_are_one_line_usage_errors(params string[] args)
    {
        CliRunner.UsageError(["conformance", .. args]);
    }

    [Fact] // docs/host-profiles.md carries `hvcall conformance --markdown` between its markers: the page cannot drift.
    public void Host_profiles_md_holds_the_markdown_output_between_its_markers()
    {
        const string begin = "<!-- conformance:begin -->";
        const string end = "<!-- conformance:end -->";
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "host-profiles.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"docs/host-profiles.md lacks {begin} … {end}");
        Assert.Equal(-1, text.IndexOf(begin, from + 1, StringComparison.Ordinal));
        var generated = text[(from + begin.Length)..to].TrimStart('\n');

        var output = CliRunner.Ok("conformance", "--markdown").Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.Equal(output, generated);
    }

    /// <summary>The directory holding HvCall.slnx, found by walking up from the test's output directory.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HvCall.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No HvCall.slnx above {AppContext.BaseDirectory}.");
    }

    private static JsonElement Case(JsonDocument json, string name)
    {
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() == name)
                return c;
        }
        throw new KeyNotFoundException($"no case '{name}' in the JSON");
    }
}
