using HvCall.Abi;
using HvCall.Hypervisor.Dispatch;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>
/// The flush calls need no privilege (TLFS HvCallFlushVirtualAddressSpace and HvCallFlushVirtualAddressList: any
/// partition may ask; facts §6: a valid call answers SUCCESS), so a guest can issue them without end. The dispatcher
/// fuzzer found that the hypervisor kept a record per call, never dropped: a guest grew the host's memory without bound
/// (docs/fuzzing.md, finding 1). The record now keeps the most recent flushes and a count.
/// </summary>
public sealed class FlushRecordTests
{
    public static TheoryData<HvArchitecture> ArchRows => Abis.Archs();

    [Theory]
    [MemberData(nameof(ArchRows))]
    public void Endless_flushes_all_succeed_and_the_record_stays_bounded(HvArchitecture arch)
    {
        var m = TestMachine.Create(arch);
        var vp = m.Vp;
        const int calls = 3 * HypervisorRecord.MaxFlushes + 7;
        for (var i = 0; i < calls; i++)
        {
            // Fast HvCallFlushVirtualAddressSpace: AddressSpace, Flags (HV_FLUSH_ALL_PROCESSORS), ProcessorMask.
            var exit = Cpu.Hvcall(vp, Words.Control(Code.FlushVirtualAddressSpace, fast: true), (ulong)i, 1, 0);
            Assert.Equal(HypercallExitKind.Completed, exit.Kind);
            Assert.Equal(St.Success, Words.Status(Cpu.Result(vp)));
        }

        Assert.Equal(calls, m.Hv.Record.FlushCount);
        Assert.Equal(HypervisorRecord.MaxFlushes, m.Hv.Record.Flushes.Count);
        Assert.Equal((ulong)(calls - HypervisorRecord.MaxFlushes), m.Hv.Record.Flushes[0].AddressSpace);
        Assert.Equal((ulong)(calls - 1), m.Hv.Record.Flushes[^1].AddressSpace);
    }
}
