using System;
using System.Runtime.CompilerServices;
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
    private const int FastQwords = 14;
    private const ulong SetVpRegisters = 0x51;

    // What hvcall_bind_vp bound the calling thread to.
    private sealed class Binding(NativeMachine machine, SimulatedProcessor processor)
    {
        public NativeMachine Machine { get; } = machine;
        public SimulatedProcessor Processor { get; } = processor;
        public bool X64 { get; } = processor.Architecture == HvCall.Abi.HvArchitecture.X64;
    }

    [ThreadStatic]
    private static Binding? t_binding;

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
        t_binding = new Binding(machine, machine.Processor(vp)!);
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
        var registers = default(HypercallRegisters);
        registers[HypercallRegisters.Control] = control;
        registers[HypercallRegisters.Input] = input;
        registers[HypercallRegisters.Output] = output;
        return Issue("hvcall_hypercall", ref registers, x64: true);
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_hypercall_fast")]
    public static ulong HypercallFast(ulong control, ulong* block)
    {
        if (block == null)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Argument, "hvcall_hypercall_fast: block is NULL."));
        var registers = default(HypercallRegisters);
        var span = HypercallRegisters.AsSpan(ref registers);
        span[HypercallRegisters.Control] = control;
        var fast = new Span<ulong>(block, FastQwords);
        fast.CopyTo(span[HypercallRegisters.FastBlock..]);
        var result = Issue("hvcall_hypercall_fast", ref registers, x64: true);
        span.Slice(HypercallRegisters.FastBlock, FastQwords).CopyTo(fast);
        return result;
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_hypercall_arm64")]
    public static ulong HypercallArm64(ulong* x)
    {
        if (x == null)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Argument, "hvcall_hypercall_arm64: x is NULL."));
        var registers = default(HypercallRegisters);
        var span = HypercallRegisters.AsSpan(ref registers);
        var block = new Span<ulong>(x, HypercallRegisters.Count);
        block.CopyTo(span);
        var result = Issue("hvcall_hypercall_arm64", ref registers, x64: false);
        if (result == span[HypercallRegisters.Result])
            span.CopyTo(block);
        return result;
    }

    /// <summary>
    /// The code of the hypercall page calls this with a register block it built on its stack in the layout of
    /// <see cref="HypercallRegisters"/>: slot 0 for RAX, RCX (control), RDX, R8, XMM0–XMM5; the hypercall runs on it in
    /// place and the page restores XMM0–XMM5 from it.
    /// </summary>
    /// <remarks>
    /// The page's code still runs when this returns, so a call that disables the page (HvCallSetVpRegisters with
    /// guest OS id 0) must not remove the overlay here: the next library call that takes the machine does.
    /// </remarks>
    [UnmanagedCallersOnly]
    public static ulong HypercallPageEntry(ulong* block) =>
        Issue("the hypercall page", ref Unsafe.AsRef<HypercallRegisters>(block), x64: true, fromPage: true);

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
            // A nested root's VP takes interrupts from L1's SynIC and, through the L1 VM's VP it runs on, from L0's.
            HvCall.Hypervisor.Processors.VirtualProcessor? underneath = null;
            machine.Machine.L1Vm?.TryGetVp(vp, out underneath);
            for (var sint = 0; sint < 16; sint++)
                counts[sint] = (uint)(processor.VirtualProcessor.InterruptsFor(sint) + (underneath?.InterruptsFor(sint) ?? 0));
            return NativeErrors.Ok;
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "hvcall_trace_to")]
    public static int TraceTo(nint handle, byte* path, int format)
    {
        if (path == null)
            return NativeErrors.Fail(NativeErrors.Argument, "hvcall_trace_to: path is NULL.");
        var text = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)path) ?? "";
        return OnMachine(handle, "hvcall_trace_to", machine => machine.TraceTo(text, format));
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

    // One hypercall on the bound VP, in place on its register block; the HYPERCALL MSR is followed after
    // HvCallSetVpRegisters, the one call that can change the guest OS id on x64, unless the call came through the
    // page (fromPage): removing the overlay then would pull the code out from under the page's own return, so
    // OnBoundVp and OnMachine follow the MSR when the next call begins.
    private static ulong Issue(string what, ref HypercallRegisters registers, bool x64, bool fromPage = false)
    {
        if (t_binding is not { } binding)
            return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.NotBound, $"{what}: this thread is bound to no VP (hvcall_bind_vp)."));
        var machine = binding.Machine;
        using (machine.Lock.EnterScope())
        {
            try
            {
                if (machine.Destroyed)
                    return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed."));
                if (binding.X64 != x64)
                    return NativeErrors.AsResult(NativeErrors.Fail(NativeErrors.Architecture, $"{what}: the bound VP is {binding.Processor.Architecture}."));
                binding.Processor.Execute(ref registers);
                if (!fromPage && (registers[HypercallRegisters.Control] & 0xFFFF) == SetVpRegisters)
                    machine.FollowHypercallMsr();
                return registers[HypercallRegisters.Result];
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
        if (t_binding is not { } binding)
            return NativeErrors.Fail(NativeErrors.NotBound, $"{what}: this thread is bound to no VP (hvcall_bind_vp).");
        var machine = binding.Machine;
        lock (machine.Lock)
        {
            try
            {
                if (machine.Destroyed)
                    return NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed.");
                machine.FollowHypercallMsr();
                return action(machine, binding.Processor);
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
                if (machine.Destroyed)
                    return NativeErrors.Fail(NativeErrors.State, $"{what}: the machine was destroyed.");
                machine.FollowHypercallMsr();
                return action(machine);
            }
            catch (Exception e)
            {
                return NativeErrors.Fail(NativeErrors.State, $"{what}: {e.Message}");
            }
        }
    }
}
