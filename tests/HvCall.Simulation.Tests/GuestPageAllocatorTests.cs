using System;
using System.Collections.Generic;
using System.Linq;
using HvCall.Abi;
using HvCall.Simulation.Machines;
using Xunit;

namespace HvCall.Simulation.Tests;

/// <summary>
/// The guest's ring-page allocator and layout: pages from the ring pool, scattered in a seeded order, zeroed, never
/// handed out twice, and clear of the per-VP pages of 64 VPs.
/// </summary>
public sealed class GuestPageAllocatorTests
{
    private const ulong PoolStart = 0x20_0000;
    private const ulong PoolEnd = 0x30_0000; // 256 pages, 1 MiB

    private static AllocatedPage[] Allocate(GuestPageAllocator pages, int count)
    {
        var allocated = new AllocatedPage[count];
        Assert.True(pages.TryAllocate(allocated));
        return allocated;
    }

    [Theory]
    [InlineData(Topology.Flat, HvArchitecture.X64)]
    [InlineData(Topology.Flat, HvArchitecture.Arm64)]
    [InlineData(Topology.Nested, HvArchitecture.X64)]
    public void WholePool_IsHandedOutOnce_PageAlignedInsideThePool(Topology topology, HvArchitecture architecture)
    {
        var machine = Machine.Build(new MachineOptions { Topology = topology, Architecture = architecture });
        Assert.Equal(256, machine.GuestPages.FreePages);
        var all = Allocate(machine.GuestPages, 256);
        Assert.Equal(0, machine.GuestPages.FreePages);
        Assert.Equal(256, all.Select(p => p.Gpa).Distinct().Count());
        Assert.All(all, p =>
        {
            Assert.InRange(p.Gpa, PoolStart, PoolEnd - 4096);
            Assert.Equal(0UL, p.Gpa % 4096);
            Assert.Equal(p.Gpa / 4096, p.Pfn);
            Assert.Equal(4096, p.Memory.Length);
        });
        // The bytes are the partition's own page, shared with the hypervisor.
        all[0].Memory.Span[7] = 0xAB;
        var read = new byte[1];
        Assert.True(machine.Guest.Memory.TryRead(all[0].Gpa + 7, read));
        Assert.Equal(0xAB, read[0]);
        Assert.False(machine.GuestPages.TryAllocate(new AllocatedPage[1]));
    }

    [Fact]
    public void TooManyPages_AllocatesNothing()
    {
        var pages = Machine.Build(new MachineOptions()).GuestPages;
        Allocate(pages, 200);
        Assert.False(pages.TryAllocate(new AllocatedPage[57]));
        Assert.Equal(56, pages.FreePages);
        Assert.Equal(56, Allocate(pages, 56).Length);
    }

    [Fact]
    public void Pages_AreZeroedWhenHandedOut()
    {
        var machine = Machine.Build(new MachineOptions());
        var garbage = new byte[(int)(PoolEnd - PoolStart)];
        Array.Fill(garbage, (byte)0xCC);
        Assert.True(machine.Guest.Memory.TryWrite(PoolStart, garbage));
        Assert.All(Allocate(machine.GuestPages, 32), p => Assert.True(p.Memory.Span.IndexOfAnyExcept((byte)0) < 0));
    }

    [Fact]
    public void Order_IsScattered_AndFollowsTheSeed()
    {
        static ulong[] Order(ulong seed) =>
            Allocate(Machine.Build(new MachineOptions { Seed = seed }).GuestPages, 32).Select(p => p.Pfn).ToArray();

        var first = Order(1);
        Assert.Equal(first, Order(1));
        Assert.NotEqual(first, Order(2));
        // Not one consecutive run: ring code must follow the GPADL's page list.
        Assert.Contains(Enumerable.Range(1, 31), i => first[i] != first[i - 1] + 1);
        var seeds = new HashSet<ulong>(Enumerable.Range(1, 8).Select(s => Order((ulong)s)[0]));
        Assert.True(seeds.Count > 1);
    }

    [Fact]
    public void Layout_PerVpPagesOf64Vps_EndBeforeTheRingPool()
    {
        Assert.Equal(PoolStart, GuestLayout.RingPool);
        Assert.Equal(256, GuestLayout.RingPoolPages);
        var perVp = Enumerable.Range(0, 64).SelectMany(vp => new[]
        {
            GuestLayout.InputPage((uint)vp), GuestLayout.InputPage((uint)vp) + 0x1000,
            GuestLayout.MessagePage((uint)vp), GuestLayout.EventFlagsPage((uint)vp),
        }).ToList();
        Assert.Equal(256, perVp.Distinct().Count());
        Assert.All(perVp, gpa => Assert.True(gpa < PoolStart && gpa > GuestLayout.HypercallPage));
        Assert.True(PoolEnd <= MachineOptions.MinimumMemory);
    }
}
