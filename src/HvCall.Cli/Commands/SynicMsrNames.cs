using System.Collections.Generic;
using HvCall.Abi.Registers;
using HvCall.Guest.Routing;

namespace HvCall.Cli.Commands;

/// <summary>Names of the x64 synthetic MSRs <c>hvcall routes</c> reports, and the redirects a routing makes.</summary>
internal static class SynicMsrNames
{
    /// <summary>First MSR scanned for redirects (HV_X64_MSR_GUEST_OS_ID).</summary>
    private const uint ScanFirst = HvX64Msr.GuestOsId;

    /// <summary>Number of MSRs scanned: the whole 0x40000000–0x400000FF synthetic block.</summary>
    private const uint ScanCount = 0x100;

    /// <summary>The TLFS short name of a synthetic MSR (<c>SCONTROL</c>, <c>SINT2</c>), or <see langword="null"/>.</summary>
    /// <param name="msr">The MSR number.</param>
    public static string? NameOf(uint msr) => msr switch
    {
        HvX64Msr.GuestOsId => "GUEST_OS_ID",
        HvX64Msr.Hypercall => "HYPERCALL",
        HvX64Msr.VpIndex => "VP_INDEX",
        HvX64Msr.Scontrol => "SCONTROL",
        HvX64Msr.Sversion => "SVERSION",
        HvX64Msr.Siefp => "SIEFP",
        HvX64Msr.Simp => "SIMP",
        HvX64Msr.Eom => "EOM",
        HvX64Msr.Sirbp => "SIRBP",
        >= HvX64Msr.Sint0 and <= HvX64Msr.Sint15 => $"SINT{msr - HvX64Msr.Sint0}",
        >= HvX64Msr.Stimer0Config and < HvX64Msr.Stimer0Config + 8 =>
            (msr - HvX64Msr.Stimer0Config) % 2 == 0
                ? $"STIMER{(msr - HvX64Msr.Stimer0Config) / 2}_CONFIG"
                : $"STIMER{(msr - HvX64Msr.Stimer0Config) / 2}_COUNT",
        _ => null,
    };

    /// <summary>Every MSR of the synthetic block that <paramref name="routing"/> sends elsewhere, in ascending order.</summary>
    /// <param name="routing">The SynIC MSR routing.</param>
    public static IReadOnlyList<(uint From, uint To)> Redirects(SynicMsrRouting routing)
    {
        var redirects = new List<(uint From, uint To)>();
        for (var msr = ScanFirst; msr < ScanFirst + ScanCount; msr++)
        {
            var routed = routing.Route(msr);
            if (routed != msr)
                redirects.Add((msr, routed));
        }
        return redirects;
    }
}
