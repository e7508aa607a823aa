using System;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace HvCall.Native.Tests;

/// <summary>
/// The exports of libhvcall as C calls them, here through unmanaged function pointers in the JIT-compiled library
/// (the C tests in tests/c run the same against the NativeAOT libhvcall.so). Constants are typed from include/hvcall.h
/// and hyperv-abi.md, not taken from the library.
/// </summary>
public sealed unsafe class ExportTests
{
    private const int EArgument = -1, EOptions = -2, EVp = -3, ENotBound = -4, EGp = -5, EArch = -6, EUd = -7;
    private const uint GuestOsIdMsr = 0x4000_0000, HypercallMsr = 0x4000_0001;
    private const ulong LinuxGuestOsId = 0x8100_0000_060C_0000;
    private const ulong GetPartitionId = 0x46;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("topology=flat")]
    [InlineData("topology=nested, vps=0x2, seed=7, memory=0x800_0000")]
    [InlineData("TOPOLOGY=Flat,arch=ARM64")]
    public void Valid_options_make_a_machine(string? options)
    {
        var machine = Create(options);
        ulong size;
        var memory = (nint)((delegate* unmanaged<nint, ulong*, void*>)&Exports.GuestMemory)(machine, &size);
        Assert.NotEqual(0, memory);
        Assert.Equal(0, memory % 4096);
        Assert.True(size >= 4UL << 20);
        Destroy(machine);
    }

    [Theory]
    [InlineData("vps=0")]
    [InlineData("topology=deep")]
    [InlineData("nonsense")]
    [InlineData("vps=zz")]
    [InlineData("arch=arm64")]
    [InlineData("topology=flat,l2-guests=1")]
    public void Malformed_options_are_an_error_with_a_message(string options)
    {
        nint machine;
        var bytes = Encoding.UTF8.GetBytes(options + "\0");
        fixed (byte* text = bytes)
            Assert.Equal(EOptions, ((delegate* unmanaged<byte*, nint*, int>)&Exports.MachineCreate)(text, &machine));
        Assert.Equal(0, machine);
        Assert.StartsWith("hvcall_machine_create:", LastError(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_handles_and_pointers_are_errors_not_crashes()
    {
        Assert.Equal(EArgument, ((delegate* unmanaged<byte*, nint*, int>)&Exports.MachineCreate)(null, null));
        Assert.Equal(EArgument, ((delegate* unmanaged<nint, uint, int>)&Exports.BindVp)(0x1234, 0));
        var machine = Create("topology=flat");
        Assert.Equal(EVp, ((delegate* unmanaged<nint, uint, int>)&Exports.BindVp)(machine, 1));
        Destroy(machine);
        Assert.Equal(EArgument, ((delegate* unmanaged<nint, uint, int>)&Exports.BindVp)(machine, 0)); // destroyed: unknown
    }

    [Fact]
    public void A_fresh_thread_is_bound_to_no_vp()
    {
        var (rdmsr, result) = (0, 0UL);
        var thread = new System.Threading.Thread(() =>
        {
            ulong value;
            rdmsr = ((delegate* unmanaged<uint, ulong*, int>)&Exports.ReadMsr)(GuestOsIdMsr, &value);
            result = ((delegate* unmanaged<ulong, ulong, ulong, ulong>)&Exports.Hypercall)(GetPartitionId, 0, 0);
        });
        thread.Start();
        thread.Join();
        Assert.Equal(ENotBound, rdmsr);
        Assert.Equal(unchecked((ulong)ENotBound), result);
    }

    [Fact]
    public void Msrs_faults_and_the_ud_before_the_guest_os_id()
    {
        var machine = Bind("topology=flat");
        ulong value;
        Assert.Equal(EGp, ((delegate* unmanaged<uint, ulong*, int>)&Exports.ReadMsr)(0x4000_1234, &value));
        Assert.Equal(unchecked((ulong)EUd), ((delegate* unmanaged<ulong, ulong, ulong, ulong>)&Exports.Hypercall)(GetPartitionId, 0, 0x3000));
        var x = stackalloc ulong[18];
        Assert.Equal(unchecked((ulong)EArch), ((delegate* unmanaged<ulong*, ulong>)&Exports.HypercallArm64)(x));
        Destroy(machine);
    }

    [Fact]
    public void The_hypercall_page_is_callable_and_goes_away_when_disabled()
    {
        var machine = Bind("topology=flat");
        ulong size;
        var memory = (byte*)((delegate* unmanaged<nint, ulong*, void*>)&Exports.GuestMemory)(machine, &size);
        new Span<byte>(memory + 0x1000, 4096).Fill(0x5A);
        Assert.Equal(0, WriteMsr(GuestOsIdMsr, LinuxGuestOsId));
        Assert.Equal(0, WriteMsr(HypercallMsr, 0x1000 | 1));
        Assert.True(new ReadOnlySpan<byte>(memory + 0x1000, 4).SequenceEqual(HypercallPageOverlay.Stub[..4])); // push rbp; mov rbp, rsp

        // SysV passes (rdi, rsi, rdx, rcx, r8): the page takes RCX = control, RDX = input GPA, R8 = output GPA.
        var page = (delegate* unmanaged<ulong, ulong, ulong, ulong, ulong, ulong>)(memory + 0x1000);
        Assert.Equal(0UL, page(0, 0, 0, GetPartitionId, 0x3000));
        Assert.Equal(2UL, *(ulong*)(memory + 0x3000)); // the flat guest is L0's second partition, after the host

        Assert.Equal(0, WriteMsr(HypercallMsr, 0x1000));
        Assert.True(new ReadOnlySpan<byte>(memory + 0x1000, 4096).IndexOfAnyExcept((byte)0x5A) < 0); // plain memory again
        Destroy(machine);
    }

    [Fact]
    public void Trace_json_lists_the_calls()
    {
        var machine = Bind("topology=flat");
        Assert.Equal(0, WriteMsr(GuestOsIdMsr, LinuxGuestOsId));
        Assert.Equal(0UL, ((delegate* unmanaged<ulong, ulong, ulong, ulong>)&Exports.Hypercall)(GetPartitionId, 0, 0x3000));
        var json = ((delegate* unmanaged<nint, byte*>)&Exports.TraceJson)(machine);
        var text = Marshal.PtrToStringUTF8((nint)json)!;
        ((delegate* unmanaged<void*, void>)&Exports.Free)(json);
        Assert.StartsWith("[{\"timeNs\":0,\"partition\":\"guest\",\"vp\":0,\"handledBy\":\"L0\",\"code\":70,\"name\":\"HvCallGetPartitionId\"", text, StringComparison.Ordinal);
        Destroy(machine);
    }

    private static nint Create(string? options)
    {
        nint machine;
        int status;
        if (options is null)
            status = ((delegate* unmanaged<byte*, nint*, int>)&Exports.MachineCreate)(null, &machine);
        else
        {
            var bytes = Encoding.UTF8.GetBytes(options + "\0");
            fixed (byte* text = bytes)
                status = ((delegate* unmanaged<byte*, nint*, int>)&Exports.MachineCreate)(text, &machine);
        }
        Assert.True(status == 0, LastError());
        return machine;
    }

    private static nint Bind(string options)
    {
        var machine = Create(options);
        Assert.Equal(0, ((delegate* unmanaged<nint, uint, int>)&Exports.BindVp)(machine, 0));
        return machine;
    }

    private static int WriteMsr(uint msr, ulong value) => ((delegate* unmanaged<uint, ulong, int>)&Exports.WriteMsr)(msr, value);

    private static void Destroy(nint machine) => ((delegate* unmanaged<nint, void>)&Exports.MachineDestroy)(machine);

    private static string LastError() => Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)&Exports.LastError)())!;
}
