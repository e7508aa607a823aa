using System;
using System.Runtime.InteropServices;
using Xunit;

namespace HvCall.Guest.Tests.Pages;

/// <summary>Memory parameters (facts §5): 8-byte aligned, within one 4 KiB page, input and output apart.</summary>
public sealed class HypercallPagesTests
{
    private static readonly HypercallPages Pages = HypercallPages.CreateManaged(0x0004_0000);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(12)]
    [InlineData(4095)]
    [InlineData(-8)]
    public void AreasMustStartOn8ByteBoundaries(int offset)
    {
        Assert.Throws<ArgumentException>(() => Pages.InputArea(offset, 8));
        Assert.Throws<ArgumentException>(() => Pages.OutputArea(offset, 8));
    }

    [Theory]
    [InlineData(0, 4097)]
    [InlineData(8, 4089)]
    [InlineData(4088, 16)]
    [InlineData(4096, 1)]
    [InlineData(0, -1)]
    public void AreasMustNotCrossThePage(int offset, int length)
    {
        Assert.Throws<ArgumentException>(() => Pages.InputArea(offset, length));
        Assert.Throws<ArgumentException>(() => Pages.OutputArea(offset, length));
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(8, 4088)]
    [InlineData(4088, 8)]
    [InlineData(4096, 0)]
    [InlineData(256, 16)]
    public void AreasInsideThePageAreViewsOfIt(int offset, int length)
    {
        var pages = HypercallPages.CreateManaged(0);
        var area = pages.InputArea(offset, length);
        Assert.Equal(length, area.Length);
        area.Fill(0x5A);
        Assert.True(pages.Input.Span[offset..(offset + length)].IndexOfAnyExcept((byte)0x5A) < 0);
        Assert.True(pages.Output.Span.IndexOfAnyExcept((byte)0) < 0);
        pages.OutputArea(offset, length).Fill(0xA5);
        Assert.True(pages.Output.Span[offset..(offset + length)].IndexOfAnyExcept((byte)0xA5) < 0);
    }

    [Fact]
    public void SameGpaForInputAndOutputIsRefused() =>
        Assert.Throws<ArgumentException>(() => new HypercallPages(new ManagedGuestPage(0x1000), new ManagedGuestPage(0x1000)));

    [Fact]
    public void CreateManagedUsesTwoAdjacentPages()
    {
        Assert.Equal(0x0004_0000UL, Pages.Input.Gpa);
        Assert.Equal(0x0004_1000UL, Pages.Output.Gpa);
        Assert.Equal(4096, Pages.Input.Span.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4097)]
    [InlineData(8192)]
    public void ManagedPageNeedsExactly4096Bytes(int size) =>
        Assert.Throws<ArgumentException>(() => new ManagedGuestPage(new byte[size], 0x1000));

    [Theory]
    [InlineData(0x1001UL)]
    [InlineData(0x1008UL)]
    [InlineData(0x1800UL)]
    [InlineData(0xFFFUL)]
    public void ManagedPageNeedsAPageAlignedGpa(ulong gpa)
    {
        Assert.Throws<ArgumentException>(() => new ManagedGuestPage(new byte[4096], gpa));
        Assert.Throws<ArgumentException>(() => new ManagedGuestPage(gpa));
    }

    [Fact]
    public void ManagedPageSharesItsBuffer()
    {
        var buffer = new byte[4096];
        var page = new ManagedGuestPage(buffer, 0x7000);
        page.Span[100] = 42;
        Assert.Equal(42, buffer[100]);
        Assert.Equal(0x7000UL, page.Gpa);
    }

    [Fact]
    public unsafe void NativePageWrapsUnmanagedMemory()
    {
        var memory = (byte*)NativeMemory.AllocZeroed(4096);
        try
        {
            var page = new NativeGuestPage(memory, 0x9000);
            page.Span[4095] = 7;
            Assert.Equal(7, memory[4095]);
            Assert.Equal(4096, page.Span.Length);
            Assert.Throws<ArgumentException>(() => new NativeGuestPage(memory, 0x9004));
            Assert.Throws<ArgumentNullException>(() => new NativeGuestPage(null, 0x9000));

            // The nint form (a simulated partition's base plus a GPA, as HvCall.Native hands it) is the same page.
            var byAddress = new NativeGuestPage((nint)memory, 0xA000);
            Assert.Equal(0xA000UL, byAddress.Gpa);
            byAddress.Span[0] = 0x5A;
            Assert.Equal(0x5A, memory[0]);
            Assert.Equal(7, byAddress.Span[4095]);
            Assert.Throws<ArgumentException>(() => new NativeGuestPage((nint)memory, 0xA800));
            Assert.Throws<ArgumentNullException>(() => new NativeGuestPage(nint.Zero, 0xA000));
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    [Fact]
    public void NullPagesAreRefused()
    {
        Assert.Throws<ArgumentNullException>(() => new HypercallPages(null!, new ManagedGuestPage(0)));
        Assert.Throws<ArgumentNullException>(() => new HypercallPages(new ManagedGuestPage(0), null!));
        Assert.Throws<ArgumentNullException>(() => new ManagedGuestPage(null!, 0));
    }
}
