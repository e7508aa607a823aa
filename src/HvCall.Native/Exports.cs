using System;
using System.Runtime.InteropServices;
using HvCall.Guest;
using HvCall.Simulation.Machines;
using HvCall.Simulation.Text;

namespace HvCall.Native;

/// <summary>
/// The C entry points of libhvcall.so (include/hvcall.h documents each). Every export catches everything: a C
/// caller's mistake is a negative return code with <c>hvcall_last_error()</c> set, never an unwinding exception.
/// </summary>
internal static unsafe class Exports
{
    private const int AbiVersion = 1;

    [ThreadStatic]
    private static NativeMachine? t_machine;
    [ThreadStatic]
    private static uint t_vp;

    [UnmanagedCallersOnly(EntryPoint = "hvcall_abi_version")]
    public static int AbiVersionExport() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "hvcall_machine_create")]
    public static int MachineCreate(byte* options, nint* machine)
    {
        try
        {
            if (machine == null)
                return NativeErrors.Fail(NativeErrors.Argument, "hvcall_machine_create: machine is NULL.");
            *machine = 0;
            var text = options == null ? null : Marshal.PtrToStringUTF8((nint)options);
            if (!MachineOptionsText.TryParse(text, out var parsed, out var error))
                return NativeErrors.Fail(NativeErrors.Options, $"hvcall_machine_create: {error}");
            *machine = NativeMachine.Create(parsed);
            return NativeErrors.Ok;
        }
        catch (Exception e)
        {
            return NativeErrors.Fail(NativeErrors.State, $"hvcall_machine_create: {e.Message}");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_machine_destroy")]
    public static void MachineDestroy(nint machine)
    {
        try
        {
            NativeMachine.Destroy(machine);
        }
        catch (Exception e)
        {
            NativeErrors.Set($"hvcall_machine_destroy: {e.Message}");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_last_error")]
    public static byte* LastError() => NativeErrors.Message();

    [UnmanagedCallersOnly(EntryPoint = "hvcall_guest_memory")]
    public static void* GuestMemory(nint handle, ulong* size)
    {
        if (NativeMachine.Find(handle) is not { Destroyed: false } machine)
        {
            NativeErrors.Set("hvcall_guest_memory: not a machine.");
            return null;
        }
        var memory = machine.Guest.Partition.Memory;
        if (size != null)
            *size = memory.Size;
        return (void*)memory.BaseAddress;
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_bind_vp")]
    public static int BindVp(nint handle, uint vp)
    {
        if (NativeMachine.Find(handle) is not { Destroyed: false } machine)
            return NativeErrors.Fail(NativeErrors.Argument, "hvcall_bind_vp: not a machine.");
        if (machine.Processor(vp) is null)
            return NativeErrors.Fail(NativeErrors.Vp, $"hvcall_bind_vp: the guest partition has {machine.Guest.Vps.Count} VP(s); there is no VP {vp}.");
        t_machine = machine;
        t_vp = vp;
        return NativeErrors.Ok;
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_rdmsr")]
    public static int ReadMsr(uint msr, ulong* value)
    {
        if (value == null)
            return NativeErrors.Fail(NativeErrors.Argument, "hvcall_rdmsr: value is NULL.");
        *value = 0;
        return OnBoundVp("hvcall_rdmsr", (machine, processor) =>
        {
            IMsrInstructions msrs = processor;
            return msrs.TryRead(msr, out var read) ? Store(value, read) : NativeErrors.Fail(NativeErrors.GeneralProtection, $"hvcall_rdmsr: RDMSR 0x{msr:X} raised #GP.");
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_wrmsr")]
    public static int WriteMsr(uint msr, ulong value) =>
        OnBoundVp("hvcall_wrmsr", (machine, processor) => machine.WriteMsr(processor, msr, value)
            ? NativeErrors.Ok
            : NativeErrors.Fail(NativeErrors.GeneralProtection, $"hvcall_wrmsr: WRMSR 0x{msr:X} <- 0x{value:X} raised #GP."));

    [UnmanagedCallersOnly(EntryPoint = "hvcall_cpuid")]
    public static void Cpuid(uint leaf, uint subleaf, uint* regs)
    {
        if (regs == null)
        {
            NativeErrors.Set("hvcall_cpuid: regs is NULL.");
            return;
        }
        new Span<uint>(regs, 4).Clear();
        OnBoundVp("hvcall_cpuid", (machine, processor) =>
        {
            var result = processor.Query(leaf, subleaf);
            regs[0] = result.Eax;
            regs[1] = result.Ebx;
            regs[2] = result.Ecx;
            regs[3] = result.Edx;
            return NativeErrors.Ok;
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_hypercall")]
    public static ulong Hypercall(ulong control, ulong input, ulong output)
    {
        Span<ulong> block = [input, output, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        return Issue("hvcall_hypercall", control, block, x64: true);
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_hypercall_fast")]
    public static ulong HypercallFast(ulong control, ulong* block)
    {
        if (block == null)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Argument, "hvcall_hypercall_fast: block is NULL."));
        return Issue("hvcall_hypercall_fast", control, new Span<ulong>(block, 14), x64: true);
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_hypercall_arm64")]
    public static ulong HypercallArm64(ulong* x)
    {
        if (x == null)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Argument, "hvcall_hypercall_arm64: x is NULL."));
        return Issue("hvcall_hypercall_arm64", x[1], new Span<ulong>(x, HypercallRegisters.Count), x64: false);
    }

    /// <summary>The code of the hypercall page calls this with the caller's RCX, RDX, R8 and XMM0–XMM5 (15 qwords).</summary>
    [UnmanagedCallersOnly]
    public static ulong HypercallPageEntry(ulong* block) =>
        Issue("the hypercall page", block[0], new Span<ulong>(block + 1, 14), x64: true);

    [UnmanagedCallersOnly(EntryPoint = "hvcall_run")]
    public static int Run(nint handle, uint steps) =>
        OnMachine(handle, "hvcall_run", machine =>
        {
            machine.Run(steps);
            return NativeErrors.Ok;
        });

    [UnmanagedCallersOnly(EntryPoint = "hvcall_interrupts")]
    public static int Interrupts(nint handle, uint vp, uint* counts)
    {
        if (counts == null)
            return NativeErrors.Fail(NativeErrors.Argument, "hvcall_interrupts: counts is NULL.");
        return OnMachine(handle, "hvcall_interrupts", machine =>
        {
            if (machine.Processor(vp) is not { } processor)
                return NativeErrors.Fail(NativeErrors.Vp, $"hvcall_interrupts: there is no VP {vp}.");
            for (var sint = 0; sint < 16; sint++)
                counts[sint] = (uint)processor.VirtualProcessor.InterruptsFor(sint);
            return NativeErrors.Ok;
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_trace_json")]
    public static byte* TraceJson(nint handle)
    {
        byte* text = null;
        OnMachine(handle, "hvcall_trace_json", machine =>
        {
            var json = machine.TraceJson();
            text = (byte*)NativeMemory.Alloc((nuint)json.Length + 1);
            json.CopyTo(new Span<byte>(text, json.Length));
            text[json.Length] = 0;
            return NativeErrors.Ok;
        });
        return text;
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_free")]
    public static void Free(void* p) => NativeMemory.Free(p);

    // One hypercall on the bound VP: the block is RDX, R8, XMM0-XMM5 (x64) or X0-X17 (ARM64), updated in place.
    private static ulong Issue(string what, ulong control, Span<ulong> block, bool x64)
    {
        var machine = t_machine;
        if (machine is null)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.NotBound, $"{what}: this thread is bound to no VP (hvcall_bind_vp)."));
        lock (machine.Lock)
        {
            try
            {
                if (machine.Destroyed)
                    return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed."));
                var processor = machine.Processor(t_vp)!;
                if ((processor.Architecture == HvCall.Abi.HvArchitecture.X64) != x64)
                    return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Architecture, $"{what}: the bound VP is {processor.Architecture}."));
                var registers = default(HypercallRegisters);
                var span = HypercallRegisters.AsSpan(ref registers);
                if (x64)
                {
                    span[HypercallRegisters.Control] = control;
                    block.CopyTo(span[HypercallRegisters.FastBlock..]);
                }
                else
                {
                    block.CopyTo(span);
                }
                processor.Execute(ref registers);
                machine.FollowHypercallMsr();
                if (x64)
                    span.Slice(HypercallRegisters.FastBlock, block.Length).CopyTo(block);
                else
                    span.CopyTo(block);
                return span[HypercallRegisters.Result];
            }
            catch (HvGuestException e)
            {
                return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.InvalidOpcode, $"{what}: {e.Message}"));
            }
            catch (Exception e)
            {
                return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.State, $"{what}: {e.Message}"));
            }
        }
    }

    private static int Store(ulong* destination, ulong value)
    {
        *destination = value;
        return NativeErrors.Ok;
    }

    private static int OnBoundVp(string what, Func<NativeMachine, SimulatedProcessor, int> action)
    {
        var machine = t_machine;
        if (machine is null)
            return NativeErrors.Fail(NativeErrors.NotBound, $"{what}: this thread is bound to no VP (hvcall_bind_vp).");
        lock (machine.Lock)
        {
            try
            {
                return machine.Destroyed
                    ? NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed.")
                    : action(machine, machine.Processor(t_vp)!);
            }
            catch (Exception e)
            {
                return NativeErrors.Fail(NativeErrors.State, $"{what}: {e.Message}");
            }
        }
    }

    private static int OnMachine(nint handle, string what, Func<NativeMachine, int> action)
    {
        if (NativeMachine.Find(handle) is not { } machine)
            return NativeErrors.Fail(NativeErrors.Argument, $"{what}: not a machine.");
        lock (machine.Lock)
        {
            try
            {
                return machine.Destroyed ? NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed.") : action(machine);
            }
            catch (Exception e)
            {
                return NativeErrors.Fail(NativeErrors.State, $"{what}: {e.Message}");
            }
        }
    }
}
