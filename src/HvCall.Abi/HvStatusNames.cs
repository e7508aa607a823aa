using System;
using System.Collections.Generic;
using System.Text;

namespace HvCall.Abi;

/// <summary>TLFS spellings of <see cref="HvStatus"/> values (<c>HV_STATUS_INVALID_CONNECTION_ID</c>).</summary>
public static class HvStatusNames
{
    private static readonly Dictionary<HvStatus, string> Names = Build();

    /// <summary>True when <paramref name="status"/> is a value the TLFS defines.</summary>
    /// <param name="status">The status to test.</param>
    public static bool IsDefined(HvStatus status) => Names.ContainsKey(status);

    /// <summary>
    /// The TLFS name of a status, such as <c>HV_STATUS_INSUFFICIENT_BUFFERS</c>; a value the TLFS does
    /// not define is spelt as four hex digits (<c>0x00AB</c>).
    /// </summary>
    /// <param name="status">The status to name.</param>
    public static string TlfsName(HvStatus status) =>
        Names.TryGetValue(status, out var name) ? name : $"0x{(ushort)status:X4}";

    /// <summary>
    /// What a status means, in one sentence (the same words as the <see cref="HvStatus"/> member's documentation), or null
    /// for a value the TLFS does not define.
    /// </summary>
    /// <param name="status">The status.</param>
    public static string? Describe(HvStatus status) => status switch
    {
        HvStatus.Success => "The operation succeeded.",
        HvStatus.InvalidHypercallCode => "The call code is not recognised.",
        HvStatus.InvalidHypercallInput => "The control word is malformed: reserved bits, rep fields or variable header size.",
        HvStatus.InvalidAlignment => "A GPA is not 8-byte aligned, a list crosses a page, or a GPA is outside guest memory.",
        HvStatus.InvalidParameter => "A field inside the call's input is invalid.",
        HvStatus.AccessDenied => "The caller lacks the partition privilege the call needs.",
        HvStatus.InvalidPartitionState => "The partition is not in a state that allows the operation.",
        HvStatus.OperationDenied => "The operation is not allowed.",
        HvStatus.UnknownProperty => "The property is unknown.",
        HvStatus.PropertyValueOutOfRange => "The property value is out of range.",
        HvStatus.InsufficientMemory => "There is not enough memory to complete the operation.",
        HvStatus.PartitionTooDeep => "The partition hierarchy is too deep.",
        HvStatus.InvalidPartitionId => "The partition id is invalid.",
        HvStatus.InvalidVpIndex => "The virtual processor index is invalid.",
        HvStatus.NotFound => "The object was not found.",
        HvStatus.InvalidPortId => "The port id is invalid, the port was deleted or is of the wrong type.",
        HvStatus.InvalidConnectionId => "The connection id is invalid.",
        HvStatus.InsufficientBuffers => "The port has no free message buffers (16 per port).",
        HvStatus.NotAcknowledged => "The message was not acknowledged.",
        HvStatus.InvalidVpState => "The virtual processor is not in a valid state.",
        HvStatus.Acknowledged => "The message was acknowledged.",
        HvStatus.InvalidSaveRestoreState => "The save/restore state is invalid.",
        HvStatus.InvalidSynicState => "The target SynIC, its message page or its event flags page is disabled, or the SINT is masked.",
        HvStatus.ObjectInUse => "The object is in use.",
        HvStatus.InvalidProximityDomainInfo => "The proximity domain information is invalid.",
        HvStatus.NoData => "No data is available.",
        HvStatus.Inactive => "The object is inactive.",
        HvStatus.NoResources => "No resources are available.",
        HvStatus.FeatureUnavailable => "The feature is unavailable.",
        HvStatus.PartialPacket => "Only part of a packet was transferred.",
        HvStatus.ProcessorFeatureNotSupported => "The processor feature is not supported.",
        HvStatus.ProcessorCacheLineFlushSizeIncompatible => "The processor cache line flush size is incompatible.",
        HvStatus.InsufficientBuffer => "A caller-supplied buffer is too small (not to be confused with HV_STATUS_INSUFFICIENT_BUFFERS).",
        HvStatus.IncompatibleProcessor => "The processor is incompatible.",
        HvStatus.InsufficientDeviceDomains => "There are not enough device domains.",
        HvStatus.CpuidFeatureValidationError => "CPUID feature validation failed.",
        HvStatus.CpuidXsaveFeatureValidationError => "CPUID XSAVE feature validation failed.",
        HvStatus.ProcessorStartupTimeout => "A processor did not start in time.",
        HvStatus.SmxEnabled => "SMX is enabled.",
        HvStatus.InvalidLpIndex => "The logical processor index is invalid.",
        HvStatus.InvalidRegisterValue => "A register value is invalid.",
        HvStatus.InvalidVtlState => "The VTL state is invalid.",
        HvStatus.NxNotDetected => "NX was not detected.",
        HvStatus.InvalidDeviceId => "The device id is invalid.",
        HvStatus.InvalidDeviceState => "The device state is invalid.",
        HvStatus.PendingPageRequests => "Page requests are pending.",
        HvStatus.PageRequestInvalid => "A page request is invalid.",
        HvStatus.KeyAlreadyExists => "The key already exists.",
        HvStatus.DeviceAlreadyInDomain => "The device is already in the domain.",
        HvStatus.InvalidCpuGroupId => "The CPU group id is invalid.",
        HvStatus.InvalidCpuGroupState => "The CPU group state is invalid.",
        HvStatus.OperationFailed => "The operation failed.",
        HvStatus.NotAllowedWithNestedVirtActive => "The operation is not allowed while nested virtualization is active.",
        HvStatus.InsufficientRootMemory => "The root partition has not enough memory.",
        HvStatus.EventBufferAlreadyFreed => "The event buffer was already freed.",
        HvStatus.Timeout => "The operation timed out; for rep calls also the hypervisor's internal continuation signal.",
        HvStatus.CallPending => "The call is pending.",
        HvStatus.VtlAlreadyEnabled => "The VTL is already enabled.",
        HvStatus.UnknownRegisterName => "The register name is unknown.",
        _ => null,
    };

    private static Dictionary<HvStatus, string> Build()
    {
        var names = new Dictionary<HvStatus, string>();
        foreach (var value in Enum.GetValues<HvStatus>())
            names[value] = "HV_STATUS_" + ToUpperSnake(value.ToString());
        return names;
    }

    private static string ToUpperSnake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
                builder.Append('_');
            builder.Append(char.ToUpperInvariant(pascal[i]));
        }
        return builder.ToString();
    }
}
