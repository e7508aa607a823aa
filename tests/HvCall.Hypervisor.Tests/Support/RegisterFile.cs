using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Hypervisor.Processors;
using Xunit;

namespace HvCall.Hypervisor.Tests.Support;

/// <summary>
/// The whole architectural register file of a VP as (name → value), to prove that a hypercall changed
/// exactly the registers the calling convention allows (OpenVMM's <c>reg_changed_mask</c> check).
/// </summary>
internal static class RegisterFile
{
    private static readonly string[] X64Gprs = ["RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"];

    public static Dictionary<string, ulong> Snapshot(VirtualProcessor vp)
    {
        var map = new Dictionary<string, ulong>();
        if (vp.Architecture == HvArchitecture.X64)
        {
            var r = vp.X64;
            ulong[] gprs = [r.Rax, r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp, r.Rsp, r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15];
            for (var i = 0; i < gprs.Length; i++)
                map[X64Gprs[i]] = gprs[i];
            map["RIP"] = r.Rip;
            for (var i = 0; i < 12; i++)
                map[$"XMM{i / 2}.{(i % 2 == 0 ? "lo" : "hi")}"] = r.Xmm[i];
        }
        else
        {
            for (var i = 0; i < 18; i++)
                map[$"X{i}"] = vp.Arm64.X[i];
            map["PC"] = vp.Arm64.Pc;
        }
        return map;
    }

    /// <summary>Fills every register with a distinct recognisable value (0xDEAD_0000_0000_00nn).</summary>
    public static void Scribble(VirtualProcessor vp)
    {
        if (vp.Architecture == HvArchitecture.X64)
        {
            var r = vp.X64;
            r.Rax = 0xDEAD_0000_0000_0000; r.Rbx = 0xDEAD_0000_0000_0001; r.Rcx = 0xDEAD_0000_0000_0002; r.Rdx = 0xDEAD_0000_0000_0003;
            r.Rsi = 0xDEAD_0000_0000_0004; r.Rdi = 0xDEAD_0000_0000_0005; r.Rbp = 0xDEAD_0000_0000_0006; r.Rsp = 0xDEAD_0000_0000_0007;
            r.R8 = 0xDEAD_0000_0000_0008; r.R9 = 0xDEAD_0000_0000_0009; r.R10 = 0xDEAD_0000_0000_000A; r.R11 = 0xDEAD_0000_0000_000B;
            r.R12 = 0xDEAD_0000_0000_000C; r.R13 = 0xDEAD_0000_0000_000D; r.R14 = 0xDEAD_0000_0000_000E; r.R15 = 0xDEAD_0000_0000_000F;
            r.Rip = 0x7000_0000;
            for (var i = 0; i < 12; i++)
                r.Xmm[i] = 0xDEAD_0000_0000_0100UL + (ulong)i;
        }
        else
        {
            for (var i = 0; i < 18; i++)
                vp.Arm64.X[i] = 0xDEAD_0000_0000_0000UL + (ulong)i;
            vp.Arm64.Pc = 0x7000_0000;
        }
    }

    public static string ResultName(HvArchitecture arch) => arch == HvArchitecture.X64 ? "RAX" : "X0";
    public static string ControlName(HvArchitecture arch) => arch == HvArchitecture.X64 ? "RCX" : "X1";
    public static string IpName(HvArchitecture arch) => arch == HvArchitecture.X64 ? "RIP" : "PC";

    /// <summary>
    /// Asserts that between <paramref name="before"/> and <paramref name="after"/> exactly the registers in
    /// <paramref name="expected"/> changed, to exactly those values.
    /// </summary>
    public static void AssertChanged(Dictionary<string, ulong> before, Dictionary<string, ulong> after, Dictionary<string, ulong> expected)
    {
        var changed = after.Where(kv => before[kv.Key] != kv.Value).Select(kv => kv.Key).OrderBy(k => k).ToArray();
        var expectedChanged = expected.Where(kv => before[kv.Key] != kv.Value).Select(kv => kv.Key).OrderBy(k => k).ToArray();
        Assert.Equal(expectedChanged, changed);
        foreach (var (name, value) in expected)
            Assert.True(after[name] == value, $"{name}: expected 0x{value:X16}, got 0x{after[name]:X16}");
    }
}
