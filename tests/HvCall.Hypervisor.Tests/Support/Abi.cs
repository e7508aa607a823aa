using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// The calling conventions every case runs under: {x64, ARM64} × {fast, slow} (TLFS "Hypercall Interface";
/// OpenVMM's tests loop over every ABI the same way). Theory rows carry only names, enums and bools so that
/// each row is its own test case with a readable name.
/// </summary>
internal static class Abis
{
    public static readonly HvArchitecture[] Architectures = [HvArchitecture.X64, HvArchitecture.Arm64];

    public static readonly bool[] Modes = [true, false];

    /// <summary>Rows (arch).</summary>
    public static TheoryData<HvArchitecture> Archs()
    {
        var data = new TheoryData<HvArchitecture>();
        foreach (var arch in Architectures)
            data.Add(arch);
        return data;
    }

    /// <summary>Rows (arch, fast) for every combination.</summary>
    public static TheoryData<HvArchitecture, bool> ArchsAndModes()
    {
        var data = new TheoryData<HvArchitecture, bool>();
        foreach (var arch in Architectures)
            foreach (var fast in Modes)
                data.Add(arch, fast);
        return data;
    }

    /// <summary>Rows (case name, arch, fast): every named case on both architectures, fast only where the case allows.</summary>
    public static TheoryData<string, HvArchitecture, bool> Cases<TCase>(IReadOnlyDictionary<string, TCase> cases)
        where TCase : IAbiCase
    {
        var data = new TheoryData<string, HvArchitecture, bool>();
        foreach (var (name, c) in cases.OrderBy(kv => kv.Key, System.StringComparer.Ordinal))
            foreach (var arch in Architectures)
                foreach (var fast in Modes)
                    if (fast ? c.Fast : c.Slow)
                        data.Add(name, arch, fast);
        return data;
    }

    /// <summary>Rows (case name, arch) for cases that do not depend on the calling mode.</summary>
    public static TheoryData<string, HvArchitecture> CasesPerArch(IEnumerable<string> names)
    {
        var data = new TheoryData<string, HvArchitecture>();
        foreach (var name in names.OrderBy(n => n, System.StringComparer.Ordinal))
            foreach (var arch in Architectures)
                data.Add(name, arch);
        return data;
    }
}

/// <summary>A data-driven case that says which calling modes it may run in.</summary>
internal interface IAbiCase
{
    bool Fast { get; }
    bool Slow { get; }
}
