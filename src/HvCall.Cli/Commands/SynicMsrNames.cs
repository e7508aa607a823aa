using HvCall.Abi.Registers;

namespace HvCall.Cli.Commands;

/// <summary>Names of the x64 synthetic MSRs <c>hvcall routes</c> reports.</summary>
internal static class SynicMsrNames
{
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
}
