using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;

namespace HvCall.Fuzzing;

/// <summary>What one operation was and what it may change; the checker compares the machine with it.</summary>
internal struct OperationInfo
{
    public string Caller;
    public ulong Control;
    public HvStatus? Status;
    /// <summary>The caller's memory (null for an operation that names no memory).</summary>
    public TrackedMemory? Memory;
    /// <summary>The bytes the call may write: a simple call's output on success, a rep call's completed elements.</summary>
    public ulong AllowedGpa;
    public int AllowedLength;
    /// <summary>The whole output area the control word declares (to tell "not earned" from "outside").</summary>
    public ulong DeclaredGpa;
    public int DeclaredLength;
    public ulong InputGpa;
    public int InputLength;
    /// <summary>The VP whose input and output pages are compared after the operation.</summary>
    public Caller? PagesOf;
    public uint PagesVp;
    /// <summary>May deliver a message into a slot (PostMessage or PostMessageDirect that succeeded, register writes that
    /// re-scan the queues: SIMP, SCONTROL, EOM).</summary>
    public bool MayDeliver;
    /// <summary>May set one event flag (SignalEvent or SignalEventDirect that succeeded).</summary>
    public bool MaySetFlag;
    /// <summary>How the port and connection tables may change: ports and connections added (negative: removed).</summary>
    public int PortDelta;
    public int ConnectionDelta;
}

/// <summary>
/// The invariants checked after every operation, against a shadow copy of every partition's memory:
/// <list type="bullet">
/// <item>SynIC pages (any page a VP's SIMP or SIEFP names, before or after the operation or in a register list it
/// wrote): a free slot may receive a well-formed message, a busy slot may only gain MessagePending; event flags only go
/// from 0 to 1, at most one per operation and only by a SignalEvent that succeeded; interrupts raised lie between the
/// newly set flags and those plus the deliveries.</item>
/// <item>Every other byte equals the shadow, except the call's allowed output: the pages around the caller's input and
/// output pages and around the GPAs the call named are compared after every operation, and a rotating sweep compares
/// a few more pages, so every page of every memory is compared every few thousand operations (and once at the end).</item>
/// <item>Message buffers: every buffer of every port is free, queued for the target VP's SINT, or waiting for host code.</item>
/// </list>
/// </summary>
internal sealed class InvariantChecker
{
    private readonly FuzzTarget _target;
    private readonly ConfigurationReport _report;
    private readonly int _sweepPages;
    private readonly ulong[] _simp;
    private readonly ulong[] _siefp;
    private readonly int[] _interrupts;
    private readonly int[] _used;
    private readonly List<(TrackedMemory Memory, int Page)> _overlay = [];
    private readonly List<(TrackedMemory Memory, ulong Gpa, byte Role)> _extra = [];
    private readonly HashSet<string> _unbounded = new(StringComparer.Ordinal);
    private long _op;
    private int _ports;
    private int _connections;
    private int _sweepMemory;
    private int _sweepPage;

    public InvariantChecker(FuzzTarget target, ConfigurationReport report, int sweepPages)
    {
        _target = target;
        _report = report;
        _sweepPages = sweepPages;
        var n = target.Vps.Count;
        _simp = new ulong[n];
        _siefp = new ulong[n];
        _interrupts = new int[n];
        _used = new int[n * 16];
    }

    public string Configuration => _target.Configuration.Name;

    public long Operation => _op;

    /// <summary>Records the state the operation starts from.</summary>
    public void Begin(long operation)
    {
        _op = operation;
        _extra.Clear();
        var vps = _target.Vps;
        for (var i = 0; i < vps.Count; i++)
        {
            var synic = vps[i].Synic;
            _simp[i] = synic.MessagePage.Value;
            _siefp[i] = synic.EventFlagsPage.Value;
            _interrupts[i] = vps[i].InterruptCount;
        }
        (_ports, _connections) = Tables();
    }

    private (int Ports, int Connections) Tables()
    {
        int ports = 0, connections = 0;
        foreach (var hv in _target.Hypervisors)
        {
            ports += hv.Ports.Count;
            connections += hv.Connections.Count;
        }
        return (ports, connections);
    }

    /// <summary>Flush records a hypervisor may keep: it records what the guest asked for, and must not keep one per call.</summary>
    public const int MaxRecordedFlushes = 512;

    /// <summary>A SynIC page a register list of the operation named (HvCallSetVpRegisters writing SIMP or SIEFP).</summary>
    public void AddOverlay(TrackedMemory memory, ulong registerValue, byte role) => _extra.Add((memory, registerValue, role));

    public void Report(FindingKind kind, in OperationInfo info, string detail) =>
        _report.Add(new FuzzFinding(kind, Configuration, _op, info.Caller, info.Control, info.Status, detail));

    /// <summary>Checks everything the operation may not have changed, and accepts what it may.</summary>
    public void End(in OperationInfo info)
    {
        if (info.Memory is { } memory && info.AllowedLength > 0)
            memory.Accept(info.AllowedGpa, info.AllowedLength);

        var (newFlags, deliveries, ambiguous) = CheckOverlay(info);
        if (newFlags > 1)
            Report(FindingKind.EventFlags, info, $"{newFlags} event flags newly set by one operation");
        if (newFlags > 0 && !info.MaySetFlag)
            Report(FindingKind.EventFlags, info, "an event flag was set by an operation that sets none (or failed)");
        if (deliveries > 0 && !info.MayDeliver)
            Report(FindingKind.MessageSlot, info, "a message was delivered by an operation that delivers none (or failed)");
        var raised = 0;
        var vps = _target.Vps;
        for (var i = 0; i < vps.Count; i++)
            raised += vps[i].InterruptCount - _interrupts[i];
        if (!ambiguous && (raised < newFlags || raised > newFlags + deliveries))
            Report(FindingKind.Interrupts, info, $"{raised} interrupts raised for {newFlags} new flags and {deliveries} deliveries");

        if (info.PagesOf is { } owner)
        {
            ComparePages(owner.Memory, owner.InputPage(info.PagesVp), 1, info, "guard");
            ComparePages(owner.Memory, owner.OutputPage(info.PagesVp), 1, info, "guard");
        }
        if (info.Memory is { } m)
        {
            if (info.InputLength > 0)
                ComparePages(m, info.InputGpa, info.InputLength, info, "around the input");
            if (info.DeclaredLength > 0)
                ComparePages(m, info.DeclaredGpa, info.DeclaredLength, info, "around the output");
        }
        Sweep(info, _sweepPages);
        CheckBuffers(info);

        var (ports, connections) = Tables();
        if (ports - _ports != info.PortDelta || connections - _connections != info.ConnectionDelta)
            Report(FindingKind.PortTable, info, $"ports {ports - _ports:+0;-0;0} and connections {connections - _connections:+0;-0;0}, expected {info.PortDelta:+0;-0;0} and {info.ConnectionDelta:+0;-0;0}");
        foreach (var hv in _target.Hypervisors)
        {
            if (hv.Record.Flushes.Count > MaxRecordedFlushes && _unbounded.Add(hv.Name))
                Report(FindingKind.UnboundedState, info, $"{hv.Name} keeps {hv.Record.Flushes.Count} flush records (one per successful flush call, never dropped)");
        }
    }

    /// <summary>Compares every page of every memory (the end of a run).</summary>
    public void FullCheck(in OperationInfo info)
    {
        foreach (var memory in _target.Memories)
            Sweep(info, memory.Pages);
        _report.FullMemoryChecks++;
    }

    private (int NewFlags, int Deliveries, bool Ambiguous) CheckOverlay(in OperationInfo info)
    {
        _overlay.Clear();
        var vps = _target.Vps;
        for (var i = 0; i < vps.Count; i++)
        {
            var memory = _target.MemoryOf(vps[i].Partition);
            var synic = vps[i].Synic;
            Mark(memory, _simp[i], 1);
            Mark(memory, synic.MessagePage.Value, 1);
            Mark(memory, _siefp[i], 2);
            Mark(memory, synic.EventFlagsPage.Value, 2);
        }
        foreach (var (memory, gpa, role) in _extra)
            Mark(memory, gpa, role);

        int newFlags = 0, deliveries = 0;
        var ambiguous = false;
        foreach (var (memory, page) in _overlay)
        {
            var real = memory.Real(page);
            var shadow = memory.ShadowPage(page);
            if (real.SequenceEqual(shadow))
                continue;
            switch (memory.Roles[page])
            {
                case 1:
                    deliveries += CheckSlots(memory, page, real, shadow, info);
                    break;
                case 2:
                    newFlags += CheckFlags(memory, page, real, shadow, info);
                    break;
                default:
                    ambiguous = true; // one page is both a message page and an event flags page: nothing to tell apart
                    break;
            }
            real.CopyTo(shadow);
        }
        return (newFlags, deliveries, ambiguous);
    }

    private void Mark(TrackedMemory memory, ulong registerValue, byte role)
    {
        var gpa = registerValue & ~0xFFFUL;
        if (gpa >= memory.Memory.Size)
            return;
        var page = (int)(gpa / TrackedMemory.PageSize);
        if (memory.Stamp[page] != _op)
        {
            memory.Stamp[page] = _op;
            memory.Roles[page] = 0;
            _overlay.Add((memory, page));
        }
        memory.Roles[page] |= role;
    }

    private int CheckSlots(TrackedMemory memory, int page, ReadOnlySpan<byte> real, ReadOnlySpan<byte> shadow, in OperationInfo info)
    {
        var deliveries = 0;
        for (var slot = 0; slot < 16; slot++)
        {
            var before = shadow.Slice(slot * HvMessage.Size, HvMessage.Size);
            var after = real.Slice(slot * HvMessage.Size, HvMessage.Size);
            if (after.SequenceEqual(before))
                continue;
            var gpa = (ulong)page * TrackedMemory.PageSize + (ulong)(slot * HvMessage.Size);
            if (HvMessage.Type(before) == HvMessageType.None)
            {
                deliveries++;
                if (HvMessage.PayloadSize(after) > HvMessage.MaxPayloadSize || (HvMessage.Flags(after) & ~HvMessage.MessagePendingFlag) != 0 || after[6] != 0 || after[7] != 0)
                    Report(FindingKind.MessageSlot, info, $"{memory.Name} slot at GPA 0x{gpa:X} received a malformed message (size {HvMessage.PayloadSize(after)}, flags 0x{HvMessage.Flags(after):X2})");
                continue;
            }
            var pendingOnly = after[..HvMessage.FlagsOffset].SequenceEqual(before[..HvMessage.FlagsOffset]) &&
                after[(HvMessage.FlagsOffset + 1)..].SequenceEqual(before[(HvMessage.FlagsOffset + 1)..]) &&
                after[HvMessage.FlagsOffset] == (before[HvMessage.FlagsOffset] | HvMessage.MessagePendingFlag);
            if (!pendingOnly)
            {
                var offset = after.CommonPrefixLength(before);
                Report(FindingKind.MessageSlot, info, $"{memory.Name} busy slot at GPA 0x{gpa:X} overwritten at offset {offset}");
            }
        }
        return deliveries;
    }

    private int CheckFlags(TrackedMemory memory, int page, ReadOnlySpan<byte> real, ReadOnlySpan<byte> shadow, in OperationInfo info)
    {
        var after = MemoryMarshal.Cast<byte, uint>(real);
        var before = MemoryMarshal.Cast<byte, uint>(shadow);
        var newFlags = 0;
        for (var i = 0; i < after.Length; i++)
        {
            if (after[i] == before[i])
                continue;
            if ((before[i] & ~after[i]) != 0)
                Report(FindingKind.EventFlags, info, $"{memory.Name} event flags at GPA 0x{(ulong)page * TrackedMemory.PageSize + (ulong)i * 4:X} cleared by the hypervisor");
            newFlags += BitOperations.PopCount(after[i] & ~before[i]);
        }
        return newFlags;
    }

    private void ComparePages(TrackedMemory memory, ulong gpa, int length, in OperationInfo info, string where)
    {
        if (gpa >= memory.Memory.Size)
            return;
        var first = (long)(gpa / TrackedMemory.PageSize) - 1;
        var last = (long)((gpa + (ulong)Math.Max(length, 1) - 1) / TrackedMemory.PageSize) + 1;
        last = Math.Min(last, Math.Min(memory.Pages - 1, first + 40));
        for (var page = Math.Max(0, first); page <= last; page++)
            ComparePage(memory, (int)page, info, where);
    }

    private void Sweep(in OperationInfo info, int pages)
    {
        var memories = _target.Memories;
        for (var n = 0; n < pages; n++)
        {
            var memory = memories[_sweepMemory];
            ComparePage(memory, _sweepPage, info, "sweep: changed since the page was last compared");
            if (++_sweepPage == memory.Pages)
            {
                _sweepPage = 0;
                if (++_sweepMemory == memories.Count)
                {
                    _sweepMemory = 0;
                    _report.FullMemoryChecks++;
                }
            }
        }
    }

    private void ComparePage(TrackedMemory memory, int page, in OperationInfo info, string where)
    {
        if (memory.Stamp[page] == _op || memory.Compared[page] == _op)
            return; // a SynIC page (checked by its own rules) or already compared
        memory.Compared[page] = _op;
        var real = memory.Real(page);
        var shadow = memory.ShadowPage(page);
        if (real.SequenceEqual(shadow))
            return;
        var offset = real.CommonPrefixLength(shadow);
        var gpa = (ulong)page * TrackedMemory.PageSize + (ulong)offset;
        var declared = ReferenceEquals(memory, info.Memory) && info.DeclaredLength > 0 &&
            gpa >= info.DeclaredGpa && gpa - info.DeclaredGpa < (ulong)info.DeclaredLength;
        Report(declared ? FindingKind.OutputNotEarned : FindingKind.MemoryOutsideOutput, info,
            $"{memory.Name} GPA 0x{gpa:X} changed from 0x{shadow[offset]:X2} to 0x{real[offset]:X2} ({where})");
        real.CopyTo(shadow);
    }

    private void CheckBuffers(in OperationInfo info)
    {
        Array.Clear(_used);
        foreach (var hv in _target.Hypervisors)
        {
            foreach (var port in hv.Ports)
            {
                if (port.Type != PortType.Message)
                    continue;
                var used = Port.BufferCount - port.FreeBuffers;
                if (used < 0)
                {
                    Report(FindingKind.Buffers, info, $"{port} has {port.FreeBuffers} free buffers of {Port.BufferCount}");
                    continue;
                }
                if (port.Sink is not null)
                {
                    if (used != port.PendingHostMessages)
                        Report(FindingKind.Buffers, info, $"host {port}: {used} buffers in use, {port.PendingHostMessages} messages waiting");
                    continue;
                }
                _used[_target.VpIndex[port.TargetVp!] * 16 + port.TargetSint] += used;
            }
        }
        var vps = _target.Vps;
        for (var i = 0; i < vps.Count; i++)
        {
            for (var sint = 0; sint < 16; sint++)
            {
                var queued = vps[i].Synic.QueuedMessages(sint);
                if (queued != _used[i * 16 + sint])
                    Report(FindingKind.Buffers, info, $"{vps[i]} SINT {sint}: {queued} messages queued, {_used[i * 16 + sint]} port buffers in use for it");
            }
        }
    }
}
