using FsCheck.Fluent;
using HvCall.Abi.Cpuid;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Cpuid;

/// <summary>Nesting detection and the privilege mask from CPUID (facts §9).</summary>
public sealed class HvCpuidTests
{
    [Fact]
    public void LeafNumbers()
    {
        Assert.Equal(0x4000_0000u, HvCpuid.VendorAndMaxLeaf);
        Assert.Equal(0x4000_0003u, HvCpuid.Features);
        Assert.Equal(0x4000_0004u, HvCpuid.EnlightenmentInfo);
        Assert.Equal(1u << 4, HvCpuid.XmmHypercallInputEdx);
        Assert.Equal(1u << 15, HvCpuid.XmmHypercallOutputEdx);
    }

    [Fact]
    public void IsNestedReadsOnlyEaxBit12() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt32, Deterministic.UInt32, (eax, other) =>
            HvCpuid.IsNested(new CpuidResult(eax, other, other, other)) == ((eax >> 12 & 1) == 1)));

    [Theory]
    [InlineData(0x0000_1000u, true)]
    [InlineData(0xFFFF_EFFFu, false)]
    [InlineData(0x0000_0000u, false)]
    public void IsNestedExamples(uint eax, bool nested) =>
        Assert.Equal(nested, HvCpuid.IsNested(new CpuidResult(eax, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)));

    [Fact]
    public void PrivilegesAreEaxLowAndEbxHigh() => Deterministic.Check(Prop.ForAll(
        Deterministic.UInt32, Deterministic.UInt32, Deterministic.UInt32, (eax, ebx, rest) =>
            (ulong)HvCpuid.Privileges(new CpuidResult(eax, ebx, rest, rest)) == (eax | ((ulong)ebx << 32))));

    [Theory]
    [InlineData(1u << 2, 0u, HvPartitionPrivileges.AccessSynicRegs)]
    [InlineData(1u << 5, 0u, HvPartitionPrivileges.AccessHypercallMsrs)]
    [InlineData(1u << 6, 0u, HvPartitionPrivileges.AccessVpIndex)]
    [InlineData(0u, 1u << 0, HvPartitionPrivileges.CreatePartitions)]
    [InlineData(0u, 1u << 4, HvPartitionPrivileges.PostMessages)]
    [InlineData(0u, 1u << 5, HvPartitionPrivileges.SignalEvents)]
    [InlineData(0u, 1u << 7, HvPartitionPrivileges.ConnectPort)]
    [InlineData(0u, 1u << 12, HvPartitionPrivileges.CpuManagement)]
    [InlineData(0u, 1u << 20, HvPartitionPrivileges.EnableExtendedHypercalls)]
    public void PrivilegeBitsFollowTheFacts(uint eax, uint ebx, HvPartitionPrivileges expected) =>
        Assert.Equal(expected, HvCpuid.Privileges(new CpuidResult(eax, ebx, 0, 0)));
}
