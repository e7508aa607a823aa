using System;
using System.Buffers.Binary;
using HvCall.Abi;
using HvCall.Abi.Messages;
using HvCall.Abi.Registers;
using HvCall.Hypervisor.Partitions;
using HvCall.Simulation.Scheduling;
using static System.Buffers.Binary.BinaryPrimitives;

namespace HvCall.Fuzzing;

/// <summary>Structured input bytes per call code: plausible ids (ports, connections, partitions, VPs, SINTs, register
/// names) mixed with wrong ones, so that handlers get past their first checks.</summary>
internal sealed class Inputs(SplitMix64 random)
{
    private static readonly uint[] RegisterNames =
    [
        HvRegisterName.GuestOsId, HvRegisterName.VpIndex, HvRegisterName.Scontrol, HvRegisterName.Sversion,
        HvRegisterName.Siefp, HvRegisterName.Simp, HvRegisterName.Eom, HvRegisterName.Sirbp,
    ];

    public bool Chance(int percent) => random.Next(100) < percent;

    public int Next(int bound) => random.Next(bound);

    public ulong Next() => random.Next();

    public T Pick<T>(T[] items) => items[random.Next(items.Length)];

    /// <summary>Fills <paramref name="input"/> for <paramref name="code"/> (the bytes are random to begin with).</summary>
    public void Fill(HvCallCode code, Span<byte> input, Caller caller, HypercallControl control)
    {
        FuzzTarget.FillRandom(random, input);
        if (Chance(12))
            return; // a fully random input page
        switch (code.Value)
        {
            case 0x5C when input.Length >= 256: PostMessage(input); break;
            case 0x5D when input.Length >= 8: SignalEvent(input); break;
            case 0x50 when input.Length >= 16: VpRegisters(input, caller, control, set: false); break;
            case 0x51 when input.Length >= 16: VpRegisters(input, caller, control, set: true); break;
            case 0x95 when input.Length >= 56: CreatePort(input, caller); break;
            case 0x96 when input.Length >= 72: ConnectPort(input, caller); break;
            case 0x58 or 0x5B when input.Length >= 16:
                WriteUInt64LittleEndian(input, PartitionId(caller));
                WriteUInt64LittleEndian(input[8..], Chance(50) ? PortId() : ConnectionId());
                break;
            case 0xC0 when input.Length >= 16: SignalEventDirect(input, caller); break;
            case 0xC1 when input.Length >= 280: PostMessageDirect(input, caller); break;
            case 0x02 or 0x03 or 0x13 or 0x14 when input.Length >= 24:
                WriteUInt64LittleEndian(input[8..], Chance(75) ? (ulong)Next(16) : Next());
                break;
            case 0x0B when input.Length >= 16:
                WriteUInt32LittleEndian(input, Chance(75) ? (uint)(0x10 + Next(0xF0)) : (uint)Next());
                WriteUInt32LittleEndian(input[4..], Chance(90) ? 0 : (uint)Next());
                break;
        }
    }

    public ulong PartitionId(Caller caller)
    {
        var partitions = caller.Hypervisor.Partitions;
        return Next(10) switch
        {
            < 4 => HvRegisterName.PartitionSelf,
            < 8 => partitions[Next(partitions.Count)].Id,
            8 => (ulong)Next(8),
            _ => Next(),
        };
    }

    public uint VpIndex() => Next(10) switch
    {
        < 3 => 0,
        < 5 => 1,
        < 7 => HvRegisterName.VpIndexSelf,
        7 => HvRegisterName.AnyVp,
        8 => (uint)(2 + Next(4)),
        _ => (uint)Next(),
    };

    public uint PortId() => Next(10) switch
    {
        < 4 => Pick(FuzzTarget.MessagePortIds),
        < 8 => Pick(FuzzTarget.EventPortIds),
        8 => Pick(FuzzTarget.HostPortIds),
        _ => Chance(50) ? (uint)Next(0x40) : (uint)Next(),
    };

    /// <summary>A connection id: mostly one the setup connected (of the kind the call wants: message connections 1-4 and
    /// 0x40-0x41, event connections 5, 6, 0x2001, 0x2002 and 0x42), sometimes any, now and then with reserved bits 31:24.</summary>
    public uint ConnectionId(bool? message = null)
    {
        var id = Next(10) switch
        {
            < 7 when message is { } m => m ? Pick(MessageConnections) : Pick(EventConnections),
            < 7 => Pick(FuzzTarget.ConnectionIds),
            < 9 => Pick(FuzzTarget.HostConnectionIds),
            _ => (uint)Next(0x100),
        };
        return Chance(4) ? id | (uint)Next() << 24 : id;
    }

    private static readonly uint[] MessageConnections = [1, 2, 3, 4, 0x40, 0x41];
    private static readonly uint[] EventConnections = [5, 6, 0x2001, 0x2002, 0x42];

    public uint Sint() => Chance(92) ? (uint)(Chance(50) ? 2 : Next(16)) : (uint)(16 + Next(240));

    private void PostMessage(Span<byte> input)
    {
        WriteUInt32LittleEndian(input, ConnectionId(message: true));
        WriteUInt32LittleEndian(input[4..], Chance(95) ? 0 : (uint)Next());
        WriteUInt32LittleEndian(input[8..], Next(10) switch { < 8 => 1, 8 => 0, _ => Chance(50) ? 0x8000_0001 : (uint)Next() });
        WriteUInt32LittleEndian(input[12..], Next(10) switch { < 8 => (uint)Next(241), 8 => (uint)(241 + Next(15)), _ => (uint)Next() });
    }

    private void SignalEvent(Span<byte> input)
    {
        var flag = Chance(70) ? 0UL : Chance(80) ? (ulong)Next(12) : (ulong)Next(0x10000);
        var reserved = Chance(95) ? 0UL : (ulong)Next(0x10000);
        WriteUInt64LittleEndian(input, ConnectionId(message: false) | flag << 32 | reserved << 48);
    }

    private void VpRegisters(Span<byte> input, Caller caller, HypercallControl control, bool set)
    {
        WriteUInt64LittleEndian(input, Next(10) switch { < 8 => HvRegisterName.PartitionSelf, 8 => caller.Partition.Id, _ => PartitionId(caller) });
        WriteUInt32LittleEndian(input[8..], Next(10) switch { < 6 => HvRegisterName.VpIndexSelf, < 9 => (uint)Next(2), _ => VpIndex() });
        WriteUInt32LittleEndian(input[12..], Chance(95) ? 0 : (uint)Next());
        var header = 16 + control.VariableHeaderSize * 8;
        var element = set ? 32 : 4;
        // Half the lists hold only names the call accepts (with valid values), so long lists complete and continue.
        var clean = Chance(50);
        for (var offset = header; offset + element <= input.Length; offset += element)
        {
            var name = clean ? CleanRegisterName(set) : RegisterName();
            WriteUInt32LittleEndian(input[offset..], name);
            if (set)
            {
                var value = RegisterValue(name, caller, caller.Partition.VirtualProcessors.Count);
                if (clean && name is >= HvRegisterName.Sint0 and <= HvRegisterName.Sint15 && !new SintRegister(value).IsValid)
                    value |= SintRegister.MaskedBit;
                WriteUInt64LittleEndian(input[(offset + 16)..], value);
                if (Chance(90))
                    WriteUInt64LittleEndian(input[(offset + 24)..], 0);
            }
        }
    }

    private uint CleanRegisterName(bool set) => Next(4) switch
    {
        < 2 => HvRegisterName.Sint0 + (uint)Next(16),
        2 => set ? Pick(WritableNames) : Pick(RegisterNames),
        _ => set ? HvRegisterName.Eom : HvRegisterName.VpIndex,
    };

    private static readonly uint[] WritableNames =
    [
        HvRegisterName.GuestOsId, HvRegisterName.Scontrol, HvRegisterName.Siefp, HvRegisterName.Simp, HvRegisterName.Eom, HvRegisterName.Sirbp,
    ];

    public uint RegisterName() => Next(10) switch
    {
        < 5 => HvRegisterName.Sint0 + (uint)Next(16),
        < 9 => Pick(RegisterNames),
        _ => Chance(50) ? HvRegisterName.Sint0 + (uint)Next(0x40) : (uint)Next(),
    };

    /// <summary>A value for a SynIC register (or the guest OS id): mostly what a guest would write.</summary>
    public ulong RegisterValue(uint name, Caller owner, int vpCount)
    {
        var vp = (uint)Next(vpCount);
        switch (name)
        {
            case HvRegisterName.GuestOsId:
                return Next(10) switch { < 7 => FuzzTarget.LinuxGuestOsId, < 9 => 0, _ => Next() };
            case HvRegisterName.Scontrol:
                return Next(10) switch { < 8 => 1, 8 => 0, _ => Next() };
            case HvRegisterName.Simp:
                return PageValue(owner.MessagePage(vp), owner);
            case HvRegisterName.Siefp:
                return PageValue(owner.EventFlagsPage(vp), owner);
            case >= HvRegisterName.Sint0 and <= HvRegisterName.Sint15:
                return SintValue();
            default:
                return Chance(50) ? 0 : Next();
        }
    }

    public ulong SintValue() => Next(10) switch
    {
        < 6 => (uint)(0x20 + Next(0xE0)),
        < 8 => SintRegister.MaskedBit | (uint)Next(0x100),
        8 => (uint)(0x20 + Next(0xE0)) | (Chance(50) ? SintRegister.AutoEoiBit : SintRegister.PollingBit),
        _ => Chance(50) ? (ulong)Next(0x10) : Next(),
    };

    private ulong PageValue(ulong designated, Caller owner) => Next(20) switch
    {
        < 13 => designated | 1,
        13 => designated,
        14 => 0,
        15 or 16 => (ulong)Next(owner.Memory.Pages) * TrackedMemory.PageSize | 1,
        17 => owner.Memory.Memory.Size | 1UL,
        _ => Next(),
    };

    private void CreatePort(Span<byte> input, Caller caller)
    {
        WriteUInt64LittleEndian(input, PartitionId(caller));
        WriteUInt32LittleEndian(input[8..], PortId());
        input[12] = Chance(95) ? (byte)0 : (byte)Next(256);
        input[13] = input[14] = input[15] = 0;
        WriteUInt64LittleEndian(input[16..], PartitionId(caller));
        WriteUInt32LittleEndian(input[24..], Next(10) switch { < 4 => 1, < 8 => 2, 8 => (uint)(3 + Next(2)), _ => (uint)Next() });
        WriteUInt32LittleEndian(input[28..], 0);
        WriteUInt32LittleEndian(input[32..], Sint());
        WriteUInt32LittleEndian(input[36..], VpIndex());
        WriteUInt16LittleEndian(input[40..], Chance(80) ? (ushort)Next(64) : (ushort)Next(0x10000));
        WriteUInt16LittleEndian(input[42..], Next(10) switch { < 7 => (ushort)(1 + Next(16)), 7 => 0, _ => (ushort)Next(0x10000) });
    }

    private void ConnectPort(Span<byte> input, Caller caller)
    {
        WriteUInt64LittleEndian(input, PartitionId(caller));
        WriteUInt32LittleEndian(input[8..], ConnectionId());
        WriteUInt32LittleEndian(input[12..], 0);
        WriteUInt64LittleEndian(input[16..], PartitionId(caller));
        WriteUInt32LittleEndian(input[24..], PortId());
        WriteUInt32LittleEndian(input[28..], 0);
        WriteUInt32LittleEndian(input[32..], Next(10) switch { < 5 => 1, < 9 => 2, _ => (uint)Next() });
    }

    private void SignalEventDirect(Span<byte> input, Caller caller)
    {
        WriteUInt64LittleEndian(input, PartitionId(caller));
        WriteUInt32LittleEndian(input[8..], VpIndex());
        input[12] = Chance(95) ? (byte)0 : (byte)Next(256);
        input[13] = (byte)Sint();
        WriteUInt16LittleEndian(input[14..], Chance(85) ? (ushort)Next(64) : (ushort)Next(0x10000));
    }

    private void PostMessageDirect(Span<byte> input, Caller caller)
    {
        WriteUInt64LittleEndian(input, PartitionId(caller));
        WriteUInt32LittleEndian(input[8..], VpIndex());
        input[12] = Chance(95) ? (byte)0 : (byte)Next(256);
        WriteUInt32LittleEndian(input[16..], Sint());
        var message = input.Slice(20, HvMessage.Size);
        WriteUInt32LittleEndian(message, Next(10) switch { < 8 => (uint)(1 + Next(4)), 8 => 0, _ => (uint)Next() });
        message[4] = Chance(85) ? (byte)Next(241) : (byte)Next(256);
    }
}
