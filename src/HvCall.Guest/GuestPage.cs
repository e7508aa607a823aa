using System;

namespace HvCall.Guest;

/// <summary>A 4 KiB page of guest memory that the issuing side owns: its GPA and its bytes.</summary>
public abstract class GuestPage
{
    /// <summary>Size of a page.</summary>
    public const int Size = 4096;

    /// <summary>The page's guest physical address (page aligned).</summary>
    public abstract ulong Gpa { get; }

    /// <summary>The page's 4096 bytes.</summary>
    public abstract Span<byte> Span { get; }

    /// <summary>Checks that <paramref name="gpa"/> is page aligned.</summary>
    /// <param name="gpa">The address.</param>
    /// <exception cref="ArgumentException">The address is not page aligned.</exception>
    protected static void ThrowIfNotPageAligned(ulong gpa)
    {
        if ((gpa & (Size - 1)) != 0)
            throw new ArgumentException($"A guest page must be 4 KiB aligned; 0x{gpa:X} is not.", nameof(gpa));
    }
}

/// <summary>A guest page backed by a managed 4 KiB array, such as a simulated partition's memory.</summary>
public sealed class ManagedGuestPage : GuestPage
{
    private readonly byte[] _buffer;

    /// <summary>Wraps <paramref name="buffer"/> as the page at <paramref name="gpa"/>.</summary>
    /// <param name="buffer">Exactly 4096 bytes; shared, not copied.</param>
    /// <param name="gpa">The page-aligned guest physical address.</param>
    /// <exception cref="ArgumentException">The buffer is not 4096 bytes or the address not page aligned.</exception>
    public ManagedGuestPage(byte[] buffer, ulong gpa)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length != Size)
            throw new ArgumentException($"A guest page holds {Size} bytes, not {buffer.Length}.", nameof(buffer));
        ThrowIfNotPageAligned(gpa);
        _buffer = buffer;
        Gpa = gpa;
    }

    /// <summary>A fresh zeroed page at <paramref name="gpa"/>.</summary>
    /// <param name="gpa">The page-aligned guest physical address.</param>
    public ManagedGuestPage(ulong gpa) : this(new byte[Size], gpa) { }

    /// <inheritdoc/>
    public override ulong Gpa { get; }

    /// <inheritdoc/>
    public override Span<byte> Span => _buffer;
}

/// <summary>A guest page in unmanaged memory, for a managed kernel that owns its physical memory.</summary>
public sealed unsafe class NativeGuestPage : GuestPage
{
    private readonly byte* _address;

    /// <summary>Wraps the 4096 bytes at <paramref name="address"/> as the page at <paramref name="gpa"/>.</summary>
    /// <param name="address">The page's virtual address in this process; must stay valid while in use.</param>
    /// <param name="gpa">The page-aligned guest physical address.</param>
    public NativeGuestPage(byte* address, ulong gpa)
    {
        if (address == null)
            throw new ArgumentNullException(nameof(address));
        ThrowIfNotPageAligned(gpa);
        _address = address;
        Gpa = gpa;
    }

    /// <summary>Wraps the 4096 bytes at <paramref name="address"/> as the page at <paramref name="gpa"/>.</summary>
    /// <param name="address">The page's virtual address in this process, such as a simulated partition's memory base plus the GPA; must stay valid while in use.</param>
    /// <param name="gpa">The page-aligned guest physical address.</param>
    public NativeGuestPage(nint address, ulong gpa) : this((byte*)address, gpa)
    {
    }

    /// <inheritdoc/>
    public override ulong Gpa { get; }

    /// <inheritdoc/>
    public override Span<byte> Span => new(_address, Size);
}

/// <summary>
/// The per-VP hypercall input and output pages, as Linux keeps one pre-allocated page per CPU.
/// Parameters placed here are 8-byte aligned and never cross a page.
/// </summary>
/// <remarks>TLFS "Hypercall Interface", "Memory Parameters": 8-byte aligned GPAs, lists within one page, input and output not overlapping.</remarks>
public sealed class HypercallPages
{
    /// <summary>Pairs an input page with an output page.</summary>
    /// <param name="input">The input page.</param>
    /// <param name="output">The output page (a different page).</param>
    /// <exception cref="ArgumentException">Both are the same page.</exception>
    public HypercallPages(GuestPage input, GuestPage output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (input.Gpa == output.Gpa)
            throw new ArgumentException("The hypercall input and output pages must not overlap.", nameof(output));
        Input = input;
        Output = output;
    }

    /// <summary>The input page.</summary>
    public GuestPage Input { get; }

    /// <summary>The output page.</summary>
    public GuestPage Output { get; }

    /// <summary>Fresh managed pages at <paramref name="inputGpa"/> and the page after it.</summary>
    /// <param name="inputGpa">The page-aligned GPA of the input page.</param>
    public static HypercallPages CreateManaged(ulong inputGpa) =>
        new(new ManagedGuestPage(inputGpa), new ManagedGuestPage(inputGpa + GuestPage.Size));

    /// <summary>A parameter area inside the input page.</summary>
    /// <param name="offset">Byte offset in the page; a multiple of 8.</param>
    /// <param name="length">Length in bytes; the area must end inside the page.</param>
    /// <exception cref="ArgumentException">The area is misaligned or crosses the page end.</exception>
    public Span<byte> InputArea(int offset, int length) => Area(Input, offset, length);

    /// <summary>A parameter area inside the output page.</summary>
    /// <param name="offset">Byte offset in the page; a multiple of 8.</param>
    /// <param name="length">Length in bytes; the area must end inside the page.</param>
    /// <exception cref="ArgumentException">The area is misaligned or crosses the page end.</exception>
    public Span<byte> OutputArea(int offset, int length) => Area(Output, offset, length);

    private static Span<byte> Area(GuestPage page, int offset, int length)
    {
        if (offset < 0 || (offset & 7) != 0)
            throw new ArgumentException($"Hypercall parameters must be 8-byte aligned; offset {offset} is not.", nameof(offset));
        if (length < 0 || length > GuestPage.Size - offset)
            throw new ArgumentException($"Hypercall parameters must not cross a page: {length} bytes at offset {offset} do not fit in {GuestPage.Size}.", nameof(length));
        return page.Span.Slice(offset, length);
    }
}
