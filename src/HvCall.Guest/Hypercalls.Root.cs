using System;
using HvCall.Abi;
using HvCall.Abi.Messages;

namespace HvCall.Guest;

/// <summary>
/// The calls a root partition issues to serve its child partitions: ports and connections, and the "direct"
/// calls that reach a child VP's SynIC without a port.
/// </summary>
/// <remarks>
/// Every function builds its control word with <see cref="ControlFor"/>, like every other call, so the
/// routing table decides the nested bit. None of these codes is in the nested set (only HvCallPostMessage
/// and HvCallSignalEvent are), so a nested root sends them to the hypervisor it runs on, which hosts its
/// children (vmbus-datapath sheet §7: "Why no nested bit"); <see cref="ToParent"/> would set the bit.
/// </remarks>
public sealed partial class Hypercalls
{
    /// <summary>
    /// HvCallPostMessageDirect, slow: writes the 280-byte input at the start of the input page (a whole
    /// message with header type, payload size, flags 0 and sender 0, then the payload) and issues it.
    /// </summary>
    /// <param name="partitionId">The target partition (HV_PARTITION_ID_SELF or a child's id).</param>
    /// <param name="vpIndex">The target VP index.</param>
    /// <param name="vtl">The target VTL (0).</param>
    /// <param name="sintIndex">The target SINT (0 to 15).</param>
    /// <param name="messageType">The message type (non-zero, most significant bit clear).</param>
    /// <param name="payload">At most 240 bytes.</param>
    /// <exception cref="ArgumentException">The payload exceeds 240 bytes; nothing is issued.</exception>
    /// <remarks>
    /// TLFS HvCallPostMessageDirect (0xC1) with the Linux/OpenVMM 280-byte layout (vmbus-datapath sheet §7);
    /// issued in the memory form as Linux's mshv does. OBJECT_IN_USE means the target's slot is busy: retry
    /// after the target frees it.
    /// </remarks>
    public HypercallResult PostMessageDirect(ulong partitionId, uint vpIndex, byte vtl, uint sintIndex, uint messageType, ReadOnlySpan<byte> payload)
    {
        PostMessageDirectInput.Write(Pages.InputArea(0, PostMessageDirectInput.Size), partitionId, vpIndex, vtl, sintIndex, messageType, payload);
        return Simple(HvCallCode.PostMessageDirect, Pages.Input.Gpa, 0);
    }

    /// <summary>
    /// HvCallSignalEventDirect, slow: the 16-byte input at the start of the input page, the 8-byte output at
    /// the start of the output page.
    /// </summary>
    /// <param name="partitionId">The target partition (HV_PARTITION_ID_SELF or a child's id).</param>
    /// <param name="vpIndex">The target VP index.</param>
    /// <param name="vtl">The target VTL (0).</param>
    /// <param name="sint">The target SINT (0 to 15).</param>
    /// <param name="flagNumber">The event flag (0 to 2047) in the SINT's part of the event flags page.</param>
    /// <param name="newlySignaled">True when the call succeeded and the flag went from 0 to 1 (NewlySignaled).</param>
    /// <remarks>TLFS HvCallSignalEventDirect (0xC0); vmbus-datapath sheet §7; memory form, as Linux's mshv issues it.</remarks>
    public HypercallResult SignalEventDirect(ulong partitionId, uint vpIndex, byte vtl, byte sint, ushort flagNumber, out bool newlySignaled)
    {
        SignalEventDirectInput.Write(Pages.InputArea(0, SignalEventDirectInput.Size), partitionId, vpIndex, vtl, sint, flagNumber);
        var output = Pages.OutputArea(0, SignalEventDirectOutput.Size);
        var result = Simple(HvCallCode.SignalEventDirect, Pages.Input.Gpa, Pages.Output.Gpa);
        newlySignaled = result.IsSuccess && SignalEventDirectOutput.NewlySignaled(output);
        return result;
    }

    /// <summary>HvCallCreatePort, slow: the 56-byte input at the start of the input page.</summary>
    /// <param name="portPartitionId">The partition that owns the port (HV_PARTITION_ID_SELF for this one).</param>
    /// <param name="portId">The port id (24 bits).</param>
    /// <param name="connectionPartitionId">The partition that may connect to the port.</param>
    /// <param name="info">The port type, target SINT and VP, and for an event port its flag range.</param>
    /// <remarks>TLFS HvCallCreatePort (0x95), Linux <c>hv_input_create_port</c>; needs the CreatePort privilege.</remarks>
    public HypercallResult CreatePort(ulong portPartitionId, uint portId, ulong connectionPartitionId, HvPortInfo info)
    {
        CreatePortInput.Write(Pages.InputArea(0, CreatePortInput.Size), portPartitionId, portId, connectionPartitionId, info);
        return Simple(HvCallCode.CreatePort, Pages.Input.Gpa, 0);
    }

    /// <summary>HvCallConnectPort, slow: the 72-byte input at the start of the input page.</summary>
    /// <param name="connectionPartitionId">The partition that will use the connection id (HV_PARTITION_ID_SELF for this one).</param>
    /// <param name="connectionId">The connection id (24 bits).</param>
    /// <param name="portPartitionId">The partition that owns the port.</param>
    /// <param name="portId">The port id.</param>
    /// <param name="type">The port type the connection expects.</param>
    /// <remarks>TLFS HvCallConnectPort (0x96), Linux <c>hv_input_connect_port</c>; needs the ConnectPort privilege.</remarks>
    public HypercallResult ConnectPort(ulong connectionPartitionId, uint connectionId, ulong portPartitionId, uint portId, HvPortType type)
    {
        ConnectPortInput.Write(Pages.InputArea(0, ConnectPortInput.Size), connectionPartitionId, connectionId, portPartitionId, portId, type);
        return Simple(HvCallCode.ConnectPort, Pages.Input.Gpa, 0);
    }

    /// <summary>HvCallDeletePort, fast: PortPartition in RDX / X2, PortId in R8 / X3.</summary>
    /// <param name="portPartitionId">The partition that owns the port.</param>
    /// <param name="portId">The port id.</param>
    /// <remarks>TLFS HvCallDeletePort (0x58); fast, as Linux's mshv issues it (<c>hv_do_fast_hypercall16</c>).</remarks>
    public HypercallResult DeletePort(ulong portPartitionId, uint portId)
    {
        var (input0, input1) = PortIdInput.Qwords(portPartitionId, portId);
        return Fast16(HvCallCode.DeletePort, input0, input1);
    }

    /// <summary>HvCallDisconnectPort, fast: ConnectionPartition in RDX / X2, ConnectionId in R8 / X3.</summary>
    /// <param name="connectionPartitionId">The connecting partition.</param>
    /// <param name="connectionId">The connection id.</param>
    /// <remarks>TLFS HvCallDisconnectPort (0x5B); fast, as Linux's mshv issues it (<c>hv_do_fast_hypercall16</c>).</remarks>
    public HypercallResult DisconnectPort(ulong connectionPartitionId, uint connectionId)
    {
        var (input0, input1) = PortIdInput.Qwords(connectionPartitionId, connectionId);
        return Fast16(HvCallCode.DisconnectPort, input0, input1);
    }
}
