using System.Collections.Generic;
using System.Linq;
using HvCall.Abi.Catalog;
using HvCall.Abi.Tests.Support;
using Xunit;

namespace HvCall.Abi.Tests.Catalog;

/// <summary>The catalog's nested set, shapes, sizes and lookups against facts §4, §8 and §9.</summary>
public sealed class HypercallCatalogTests
{
    [Fact]
    public void OnlyPostMessageAndSignalEventAreNestedWhenNestedRoot()
    {
        Assert.Equal([(ushort)0x5C, (ushort)0x5D], HypercallCatalog.NestedWhenNestedRoot.Select(c => c.Value).Order());
        var flagged = HypercallCatalog.All.Where(i => i.NestedWhenNestedRoot).Select(i => i.Name).Order().ToArray();
        Assert.Equal(["HvCallPostMessage", "HvCallSignalEvent"], flagged);
    }

    [Fact]
    public void NoExtendedEntryIsNested()
    {
        var extended = HypercallCatalog.All.Where(i => i.Code.Value >= 0x8001).ToList();
        Assert.Equal(5, extended.Count);
        Assert.All(extended, i => Assert.False(i.NestedWhenNestedRoot, i.Name));
        Assert.All(extended, i => Assert.True(i.IsExtended, i.Name));
    }

    [Fact]
    public void ExtendedEntriesNeedTheEnableExtendedHypercallsPrivilege()
    {
        // Facts §4 and §9: CPUID 0x40000003 EBX bit 20, i.e. bit 52 of the mask.
        Assert.All(HypercallCatalog.All.Where(i => i.IsExtended),
            i => Assert.Equal((HvPartitionPrivileges)(1UL << 52), i.RequiredPrivilege));
    }

    [Theory]
    [InlineData(0x006C, "HvCallMapStatsPage")]
    [InlineData(0x006D, "HvCallUnmapStatsPage")]
    public void StatsPageCallsNeedTheAccessStatsPrivilege(int code, string name)
    {
        // TLFS HvCallMapStatsPage / HvCallUnmapStatsPage: the caller must hold AccessStats, CPUID 0x40000003
        // EBX bit 8, i.e. bit 40 of the mask.
        var info = HypercallCatalog.Get((ushort)code);
        Assert.Equal(name, info.Name);
        Assert.Equal((HvPartitionPrivileges)(1UL << 40), info.RequiredPrivilege);
        Assert.Equal(HypercallShape.Simple, info.Shape);
    }

    [Fact]
    public void PostMessageIsA256ByteMemoryCallNeedingPostMessages()
    {
        var info = HypercallCatalog.Get(HvCallCode.PostMessage);
        Assert.Equal(256, info.InputSize);
        Assert.Equal(0, info.OutputSize);
        Assert.False(info.FastCapable);
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.Equal((HvPartitionPrivileges)(1UL << 36), info.RequiredPrivilege);
    }

    [Fact]
    public void SignalEventIsFastCapableWith8BytesNeedingSignalEvents()
    {
        var info = HypercallCatalog.Get(HvCallCode.SignalEvent);
        Assert.True(info.FastCapable);
        Assert.Equal(8, info.InputSize);
        Assert.Equal(0, info.OutputSize);
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.Equal((HvPartitionPrivileges)(1UL << 37), info.RequiredPrivilege);
    }

    [Fact]
    public void SignalEventDirectIsA16ByteSlowCallWith8BytesOfOutputForTheRootOnly()
    {
        // vmbus-datapath sheet §7: 0xC0, input 16, output 8 (NewlySignaled + 7 reserved); Linux issues it slow;
        // no TLFS privilege bit, root partition only in practice.
        var info = HypercallCatalog.Get((ushort)0x00C0);
        Assert.Equal("HvCallSignalEventDirect", info.Name);
        Assert.Equal((16, 8), (info.InputSize!.Value, info.OutputSize!.Value));
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.False(info.FastCapable);
        Assert.Equal(HvPartitionPrivileges.None, info.RequiredPrivilege);
        Assert.True(info.RootPartitionOnly);
        Assert.False(info.NestedWhenNestedRoot);
    }

    [Fact]
    public void PostMessageDirectIsA280ByteSlowCallWithoutOutputForTheRootOnly()
    {
        // vmbus-datapath sheet §7: 0xC1, Linux/OpenVMM input of 280 bytes (not the TLFS page's), no output.
        var info = HypercallCatalog.Get((ushort)0x00C1);
        Assert.Equal("HvCallPostMessageDirect", info.Name);
        Assert.Equal((280, 0), (info.InputSize!.Value, info.OutputSize!.Value));
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.False(info.FastCapable);
        Assert.Equal(HvPartitionPrivileges.None, info.RequiredPrivilege);
        Assert.True(info.RootPartitionOnly);
        Assert.False(info.NestedWhenNestedRoot);
    }

    [Fact]
    public void OnlyTheDirectCallsAreRootPartitionOnly() =>
        Assert.Equal([(ushort)0x00C0, (ushort)0x00C1], HypercallCatalog.All.Where(i => i.RootPartitionOnly).Select(i => i.Code.Value));

    [Fact]
    public void QueryCapabilitiesOutputsOneQword()
    {
        var info = HypercallCatalog.Get(HvCallCode.ExtQueryCapabilities);
        Assert.Equal(8, info.OutputSize);
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.True(info.SizesKnown);
    }

    [Theory]
    [InlineData(0x0003)]
    [InlineData(0x000C)]
    [InlineData(0x0014)]
    [InlineData(0x0050)]
    [InlineData(0x0051)]
    [InlineData(0x009A)]
    [InlineData(0x00B0)]
    [InlineData(0x00DB)]
    [InlineData(0x8003)]
    public void FactsRepCallsAreRep(int code) => Assert.True(HypercallCatalog.Get((ushort)code).IsRep);

    [Theory]
    [InlineData(0x0013, false)]
    [InlineData(0x0014, true)]
    [InlineData(0x0015, false)]
    [InlineData(0x007E, false)]
    public void FactsVariableCallsAreVariable(int code, bool rep)
    {
        var info = HypercallCatalog.Get((ushort)code);
        Assert.True(info.IsVariable);
        Assert.Equal(rep, info.IsRep);
    }

    [Theory]
    [InlineData(0x0001)]
    [InlineData(0x0002)]
    [InlineData(0x0046)]
    [InlineData(0x005C)]
    [InlineData(0x005D)]
    [InlineData(0x8001)]
    public void SimpleCallsAreNeitherRepNorVariable(int code)
    {
        var info = HypercallCatalog.Get((ushort)code);
        Assert.Equal(HypercallShape.Simple, info.Shape);
        Assert.False(info.IsRep);
        Assert.False(info.IsVariable);
    }

    [Fact]
    public void RepElementSizesOfTheRegisterCalls()
    {
        // HvCallGetVpRegisters: 16-byte header, 4-byte name elements, 16-byte values;
        // HvCallSetVpRegisters: 16-byte header, 32-byte name/value associations.
        var get = HypercallCatalog.Get(HvCallCode.GetVpRegisters);
        Assert.Equal((16, 4, 16), (get.InputSize!.Value, get.InputElementSize, get.OutputElementSize));
        var set = HypercallCatalog.Get(HvCallCode.SetVpRegisters);
        Assert.Equal((16, 32), (set.InputSize!.Value, set.InputElementSize));
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x0005)]
    [InlineData(0x0108)]
    [InlineData(0x01FF)]
    [InlineData(0x0200)]
    [InlineData(0x7FFF)]
    [InlineData(0x8000)]
    [InlineData(0x8005)]
    [InlineData(0x8040)]
    [InlineData(0x8041)]
    [InlineData(0x8042)]
    [InlineData(0xC000)]
    [InlineData(0xFFFF)]
    public void UnknownCodesAreNotFound(int value)
    {
        var code = new HvCallCode((ushort)value);
        Assert.False(HypercallCatalog.TryGet(code, out var info));
        Assert.Null(info);
        Assert.Throws<KeyNotFoundException>(() => HypercallCatalog.Get(code));
        Assert.Equal($"0x{value:X4}", code.ToString());
    }

    [Fact]
    public void EveryCodeFromZeroTo0xFFFFLooksUpExactlyTheSheetsCodes()
    {
        // Facts §4 (Golden/codes.txt), not the catalog's own list: TryGet finds a code iff the sheet names it, under
        // the sheet's name, and Get agrees.
        var sheet = GoldenFile.Read("codes.txt").ToDictionary(l => (ushort)l.Hex(0), l => l.Fields[1]);
        for (var value = 0; value <= 0xFFFF; value++)
        {
            var found = HypercallCatalog.TryGet((ushort)value, out var info);
            Assert.True(found == sheet.ContainsKey((ushort)value), $"0x{value:X4}: TryGet {found}");
            if (!found)
                continue;
            Assert.Equal(sheet[(ushort)value], info!.Name);
            Assert.Equal(value, info.Code.Value);
            Assert.Same(info, HypercallCatalog.Get((ushort)value));
        }
    }

    [Fact]
    public void AllIsOrderedUniqueAndWithinTheCodeRanges()
    {
        var codes = HypercallCatalog.All.Select(i => i.Code.Value).ToArray();
        Assert.Equal(codes.Order(), codes);
        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.Equal(codes.Length, HypercallCatalog.All.Select(i => i.Name).Distinct().Count());
        // Facts §4: normal codes fit 512 bits; 64 extended codes are reserved after 0x8001.
        Assert.All(codes, c => Assert.True(c is > 0 and < 512 or >= 0x8001 and < 0x8001 + 64, $"0x{c:X4}"));
        Assert.Equal(512, HypercallCatalog.NormalCodeLimit);
        Assert.Equal(64, HypercallCatalog.ExtendedCodeCount);
    }

    [Theory]
    [InlineData("hvcallpostmessage", 0x5C)]
    [InlineData("HVEXTCALLQUERYCAPABILITIES", 0x8001)]
    public void TryGetByNameIgnoresCase(string name, int code)
    {
        Assert.True(HypercallCatalog.TryGetByName(name, out var info));
        Assert.Equal(code, info.Code.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("HvCallNoSuchCall")]
    [InlineData("PostMessage")]
    public void TryGetByNameRejectsUnknownNames(string name)
    {
        Assert.False(HypercallCatalog.TryGetByName(name, out var info));
        Assert.Null(info);
    }
}
