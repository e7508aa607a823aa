using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Hypervisor.Tests.Support;
using Xunit;

namespace HvCall.Hypervisor.Tests.Handlers;

/// <summary>
/// HvCallFlushVirtualAddressSpace (0x02) and HvCallFlushVirtualAddressList (0x03, rep): input AddressSpace u64 @0,
/// Flags u64 @8, ProcessorMask u64 @16, then one GVA range per rep (u64). The flags are HV_FLUSH_ALL_PROCESSORS bit 0,
/// ALL_VIRTUAL_ADDRESS_SPACES bit 1, NON_GLOBAL_MAPPINGS_ONLY bit 2, USE_EXTENDED_RANGE_FORMAT bit 3
/// (host-implementations.md §4.4); any other bit is a field error, INVALID_PARAMETER (hyperv-abi.md §6), and the TLFS
/// does not allow NON_GLOBAL_MAPPINGS_ONLY on the list call. A rep call that fails at once reports the reps completed as
/// its rep start (absolute, hyperv-abi.md §2) and writes nothing; nothing is flushed.
/// </summary>
public sealed class FlushFlagTests
{
    public static TheoryData<HvArchitecture, bool> ArchAndModeRows => Abis.ArchsAndModes();

    private static byte[] Input(ulong flags, int ranges)
    {
        var input = new byte[24 + 8 * ranges];
        BinaryPrimitives.WriteUInt64LittleEndian(input, 0x1234_5000);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(16), 0b11);
        for (var i = 0; i < ranges; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(24 + 8 * i), 0x7000_0000UL + (ulong)i * 0x1000);
        return input;
    }

    [Theory]
    [MemberData(nameof(ArchAndModeRows))]
    public void Flush_space_takes_the_four_defined_flags_and_refuses_any_other(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        Assert.Equal(St.Success, Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressSpace), fast, Input(0b1111, 0), 0).Status);
        Assert.Single(m.Hv.Record.Flushes);
        Assert.Equal(0b1111UL, m.Hv.Record.Flushes[0].Flags);

        foreach (var bit in (int[])[4, 5, 31, 32, 63])
        {
            var outcome = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressSpace), fast, Input(1UL << bit | 0b1, 0), 0);
            Assert.True(outcome.Status == St.InvalidParameter, $"flag bit {bit}: status 0x{outcome.Status:X}");
        }
        Assert.Single(m.Hv.Record.Flushes);
    }

    [Theory]
    [MemberData(nameof(ArchAndModeRows))]
    public void Flush_list_refuses_non_global_mappings_only_and_undefined_flags_at_its_rep_start(HvArchitecture arch, bool fast)
    {
        var m = TestMachine.Create(arch);
        foreach (var flags in (ulong[])[1UL << 2, 0b111, 1UL << 4, 1UL << 40])
        {
            foreach (var start in (int[])[0, 2])
            {
                var outcome = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: 3, repStart: start), fast, Input(flags, 3), 0);
                Assert.True(outcome.Status == St.InvalidParameter, $"flags 0x{flags:X}, start {start}: status 0x{outcome.Status:X}");
                Assert.Equal(start, outcome.Reps);
                Assert.Equal(0UL, outcome.Result & Words.ResultReservedMask);
            }
        }
        Assert.Empty(m.Hv.Record.Flushes);

        // The same list with the flags the call allows is flushed: three ranges, reps completed 3.
        var ok = Cpu.Issue(m.Vp, Words.Control(Code.FlushVirtualAddressList, repCount: 3), fast, Input(0b1011, 3), 0);
        Assert.Equal((St.Success, 3), (ok.Status, ok.Reps));
        Assert.Equal([0x7000_0000UL, 0x7000_1000, 0x7000_2000], Assert.Single(m.Hv.Record.Flushes).GvaRanges);
    }
}
