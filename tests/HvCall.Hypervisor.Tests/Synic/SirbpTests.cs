using HvCall.Abi;
using HvCall.Hypervisor.Processors;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Synic;

/// <summary>
/// SIRBP (facts §7: x64 MSR 0x40000085, ARM64 register 0x000A0015) is a plain read/write SynIC register, and it is one of
/// the MSRs a nested root does not reach L0 through: there is no nested SIRBP (0x40001085 is not a nested SynIC MSR, so
/// it is #GP like any unknown MSR), and the root's SIRBP write stays in its own L1 SynIC.
/// </summary>
public sealed class SirbpTests
{
    private const uint NestedSirbp = 0x4000_1085;

    [Theory]
    [InlineData(HvArchitecture.X64)]
    [InlineData(HvArchitecture.Arm64)]
    public void Sirbp_reads_back_what_was_written(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        TestMachine.WriteSynic(m.Vp, Msr.Sirbp, RegName.Sirbp, 0x0004_2000 | 1);
        if (arch == HvArchitecture.X64)
        {
            Assert.Equal(VpFault.None, m.Hv.ReadMsr(m.Vp, Msr.Sirbp, out var value));
            Assert.Equal(0x0004_2001UL, value);
        }
        else
        {
            var outcome = Cpu.Issue(m.Vp, Words.Control(Code.GetVpRegisters, repCount: 1), true,
                Inputs.GetVpRegisters(RegName.PartitionSelf, RegName.VpSelf, 0, RegName.Sirbp), 16);
            Assert.Equal((St.Success, 1), (outcome.Status, outcome.Reps));
            Assert.Equal(0x0004_2001UL, Inputs.OutputQword(outcome.Output, 0));
        }
        Assert.Equal(0UL, m.Guest.VirtualProcessors[1].Synic.Sirbp); // per VP
    }

    [Fact]
    public void A_nested_root_has_no_nested_sirbp()
    {
        var n = new NestedRig();
        Assert.Equal(VpFault.GeneralProtection, n.L1.WriteMsr(n.RootVp1, NestedSirbp, 0x5000));
        Assert.Equal(VpFault.GeneralProtection, n.L1.ReadMsr(n.RootVp1, NestedSirbp, out _));

        Assert.Equal(VpFault.None, n.L1.WriteMsr(n.RootVp1, Msr.Sirbp, 0x5000));
        Assert.Equal(0x5000UL, n.RootVp1.Synic.Sirbp);
        Assert.Equal(0UL, n.L1VmVp1.Synic.Sirbp);
    }
}
