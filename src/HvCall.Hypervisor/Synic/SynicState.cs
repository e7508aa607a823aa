using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Ports;
using HvCall.Hypervisor.Processors;
using HvCall.Tracing;

namespace HvCall.Hypervisor.Synic;

/// <summary>
/// The synthetic interrupt controller of one virtual processor: its registers, a message queue per
/// SINT, delivery into the message page and event flags in the event flags page (both in guest memory).
/// </summary>
/// <remarks>
/// TLFS "Synthetic Interrupt Controller" and "Inter-Partition Communication": one message slot per
/// SINT; a message is delivered only into a free slot (type 0), and when more wait the MessagePending
/// flag asks the guest to write EOM, which re-scans the queues. An event flag raises the SINT's
/// interrupt only when it was newly set; a masked SINT gets no interrupt.
/// </remarks>
public sealed class SynicState
{
    /// <summary>Number of SINTs.</summary>
    public const int SintCount = 16;
    /// <summary>Event flags per SINT (256 bytes of the event flags page).</summary>
    public const int FlagsPerSint = 2048;
    /// <summary>The value SVERSION reads.</summary>
    public const ulong Version = 1;

    private readonly VirtualProcessor _vp;
    private readonly SintRegister[] _sints = new SintRegister[SintCount];
    private readonly Queue<MessageBuffer>[] _queues = new Queue<MessageBuffer>[SintCount];

    internal SynicState(VirtualProcessor vp)
    {
        _vp = vp;
        for (var i = 0; i < SintCount; i++)
        {
            _sints[i] = SintRegister.Reset;
            _queues[i] = new Queue<MessageBuffer>(Port.BufferCount);
        }
    }

    /// <summary>SCONTROL.</summary>
    public ulong Scontrol { get; private set; }
    /// <summary>SIEFP.</summary>
    public SynicPageRegister EventFlagsPage { get; private set; }
    /// <summary>SIMP.</summary>
    public SynicPageRegister MessagePage { get; private set; }
    /// <summary>SIRBP.</summary>
    public ulong Sirbp { get; private set; }
    /// <summary>EOM writes seen.</summary>
    public int EndOfMessageCount { get; private set; }

    /// <summary>True when SCONTROL enables the SynIC.</summary>
    public bool IsEnabled => (Scontrol & 1) != 0;

    /// <summary>A SINT register.</summary>
    /// <param name="sint">0 to 15.</param>
    public SintRegister Sint(int sint) => _sints[sint & 0xF];

    /// <summary>Messages queued for a SINT and not yet in its slot.</summary>
    /// <param name="sint">0 to 15.</param>
    public int QueuedMessages(int sint) => _queues[sint & 0xF].Count;

    /// <summary>Reads a SynIC register (an MSR on x64, a VP register on ARM64).</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value; EOM reads as 0.</param>
    /// <returns>Always true: every SynIC register is readable.</returns>
    public bool TryRead(SynicRegister register, out ulong value)
    {
        value = register switch
        {
            SynicRegister.Scontrol => Scontrol,
            SynicRegister.Sversion => Version,
            SynicRegister.Siefp => EventFlagsPage.Value,
            SynicRegister.Simp => MessagePage.Value,
            SynicRegister.Eom => 0,
            SynicRegister.Sirbp => Sirbp,
            _ => _sints[(int)register].Value,
        };
        return true;
    }

    /// <summary>Writes a SynIC register.</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    /// <returns>False for an invalid write (the #GP of a real processor): SVERSION, or a SINT with an
    /// unmasked vector below 16. A SINT's reserved bits are RsvdP: accepted and read back as written
    /// (TLFS "SINTx Registers").</returns>
    public bool TryWrite(SynicRegister register, ulong value)
    {
        switch (register)
        {
            case SynicRegister.Sversion:
                return false;
            case SynicRegister.Scontrol:
                Scontrol = value;
                DeliverAll();
                return true;
            case SynicRegister.Siefp:
                EventFlagsPage = new SynicPageRegister(value);
                return true;
            case SynicRegister.Simp:
                MessagePage = new SynicPageRegister(value);
                DeliverAll();
                return true;
            case SynicRegister.Eom:
                EndOfMessageCount++;
                _vp.Emit(TraceEventKind.SynicEndOfMessage, 0);
                DeliverAll();
                return true;
            case SynicRegister.Sirbp:
                Sirbp = value;
                return true;
            default:
                var sint = new SintRegister(value);
                if (!sint.IsValid)
                    return false;
                _sints[(int)register] = sint;
                return true;
        }
    }

    /// <summary>Checks that a message can be delivered here: SynIC and message page enabled.</summary>
    internal HvStatus CanReceiveMessages() =>
        IsEnabled && MessagePage.IsEnabled ? HvStatus.Success : HvStatus.InvalidSynicState;

    /// <summary>Queues a message for a SINT and delivers what the slot allows.</summary>
    internal void Enqueue(int sint, MessageBuffer buffer)
    {
        _queues[sint].Enqueue(buffer);
        Deliver(sint);
    }

    /// <summary>Sets an event flag; raises the SINT's interrupt when the flag was newly set.</summary>
    /// <returns>INVALID_SYNIC_STATE when the SynIC or event flags page is disabled or the SINT masked; else SUCCESS.</returns>
    internal HvStatus SetEventFlag(int sint, int flag, out bool newlySignaled)
    {
        newlySignaled = false;
        var sintRegister = _sints[sint];
        if (!IsEnabled || !EventFlagsPage.IsEnabled || sintRegister.IsMasked)
            return HvStatus.InvalidSynicState;
        var gpa = EventFlagsPage.Gpa + (ulong)(sint * (FlagsPerSint / 8) + (flag / 32) * 4);
        if (!_vp.Partition.Memory.TryGetSpan(gpa, sizeof(uint), out var word))
            return HvStatus.InvalidSynicState;
        var bit = 1u << (flag % 32);
        var previous = Interlocked.Or(ref MemoryMarshal.Cast<byte, uint>(word)[0], bit);
        newlySignaled = (previous & bit) == 0;
        if (newlySignaled)
        {
            _vp.Emit(TraceEventKind.EventFlagSet, (ulong)sint, (ulong)flag);
            _vp.RaiseInterrupt(sint, sintRegister.Vector);
        }
        return HvStatus.Success;
    }

    /// <summary>
    /// Writes a whole message straight into a SINT's slot, without a port or a queue (HvCallPostMessageDirect).
    /// The slot gets the message's type, payload size, sender and all 240 payload bytes; its flags byte says
    /// MessagePending when port messages wait for this SINT, and its reserved bytes read 0, exactly as for a
    /// queued message. The SINT's interrupt is raised.
    /// </summary>
    /// <param name="sint">0 to 15.</param>
    /// <param name="message">The whole 256-byte message; its type is already validated (non-zero).</param>
    /// <returns>
    /// INVALID_SYNIC_STATE when the SynIC or its message page is disabled or the SINT is masked; OBJECT_IN_USE
    /// when the slot holds a message, whose MessagePending flag is then set so that the guest writes EOM after
    /// freeing it and the caller's retry succeeds (OpenVMM's SynIC does the same for a full slot); else SUCCESS.
    /// </returns>
    internal HvStatus PostDirect(int sint, ReadOnlySpan<byte> message)
    {
        if (CanReceiveMessages() != HvStatus.Success || _sints[sint].IsMasked || !TryGetSlot(sint, out var slot))
            return HvStatus.InvalidSynicState;
        return TryWriteSlot(sint, slot, message, morePending: _queues[sint].Count > 0) ? HvStatus.Success : HvStatus.ObjectInUse;
    }

    /// <summary>Drops the messages of a deleted port still waiting for this VP's slot, freeing their buffers.</summary>
    internal void Purge(Port port)
    {
        foreach (var queue in _queues)
        {
            for (var remaining = queue.Count; remaining > 0; remaining--)
            {
                var buffer = queue.Dequeue();
                if (buffer.Port == port)
                    port.Release(buffer);
                else
                    queue.Enqueue(buffer);
            }
        }
    }

    private void DeliverAll()
    {
        for (var sint = 0; sint < SintCount; sint++)
            Deliver(sint);
    }

    private void Deliver(int sint)
    {
        var queue = _queues[sint];
        if (queue.Count == 0 || CanReceiveMessages() != HvStatus.Success || !TryGetSlot(sint, out var slot))
            return;
        var buffer = queue.Peek();
        if (!TryWriteSlot(sint, slot, buffer.Bytes, morePending: queue.Count > 1))
            return;
        queue.Dequeue();
        buffer.Port.Release(buffer);
    }

    private bool TryGetSlot(int sint, out Span<byte> slot) =>
        _vp.Partition.Memory.TryGetSpan(MessagePage.Gpa + (ulong)(sint * HvMessage.Size), HvMessage.Size, out slot);

    // The one place a message enters a slot. A busy slot (type ≠ 0) only gets its MessagePending flag set, so
    // that the guest writes EOM once it frees it. A free slot gets the message's payload size, sender and 240
    // payload bytes, flags = MessagePending when more messages wait for this SINT, reserved bytes 0, and the
    // type last, as the hypervisor publishes it, so the guest never sees a half-written slot; then the SINT's
    // interrupt unless the SINT is masked.
    private bool TryWriteSlot(int sint, Span<byte> slot, ReadOnlySpan<byte> message, bool morePending)
    {
        ref var type = ref MemoryMarshal.Cast<byte, uint>(slot)[0];
        if (Volatile.Read(ref type) != HvMessageType.None)
        {
            HvMessage.SetMessagePending(slot);
            return false;
        }
        message[HvMessage.HeaderSize..HvMessage.Size].CopyTo(slot[HvMessage.HeaderSize..]);
        slot[HvMessage.PayloadSizeOffset] = message[HvMessage.PayloadSizeOffset];
        slot[HvMessage.FlagsOffset] = morePending ? HvMessage.MessagePendingFlag : (byte)0;
        slot[6] = 0;
        slot[7] = 0;
        message.Slice(HvMessage.SenderOffset, sizeof(ulong)).CopyTo(slot[HvMessage.SenderOffset..]);
        Volatile.Write(ref type, MemoryMarshal.Read<uint>(message));
        _vp.Emit(TraceEventKind.SynicMessageDelivered, (ulong)sint, type, morePending ? 1UL : 0UL);
        var sintRegister = _sints[sint];
        if (!sintRegister.IsMasked)
            _vp.RaiseInterrupt(sint, sintRegister.Vector);
        return true;
    }
}
