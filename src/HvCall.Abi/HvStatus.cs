namespace HvCall.Abi;

/// <summary>
/// A hypercall status (<c>HV_STATUS</c>), the low 16 bits of the hypercall result value.
/// </summary>
/// <remarks>
/// TLFS "Hypercall Interface", "Hypercall Status Codes" and the HV_STATUS appendix. Values follow the
/// online TLFS, Linux <c>hvgdk_mini.h</c> and OpenVMM <c>hvdef</c>. The TLFS 6.0b table misprints
/// <see cref="InsufficientBuffers"/> as 0x33; it is 0x13 (0x33 is <see cref="InsufficientBuffer"/>).
/// </remarks>
public enum HvStatus : ushort
{
    /// <summary>The operation succeeded.</summary>
    Success = 0x0000,
    /// <summary>The call code is not recognised.</summary>
    InvalidHypercallCode = 0x0002,
    /// <summary>The control word is malformed: reserved bits, rep fields or variable header size.</summary>
    InvalidHypercallInput = 0x0003,
    /// <summary>A GPA is not 8-byte aligned, a list crosses a page, or a GPA is outside guest memory.</summary>
    InvalidAlignment = 0x0004,
    /// <summary>A field inside the call's input is invalid.</summary>
    InvalidParameter = 0x0005,
    /// <summary>The caller lacks the partition privilege the call needs.</summary>
    AccessDenied = 0x0006,
    /// <summary>The partition is not in a state that allows the operation.</summary>
    InvalidPartitionState = 0x0007,
    /// <summary>The operation is not allowed.</summary>
    OperationDenied = 0x0008,
    /// <summary>The property is unknown.</summary>
    UnknownProperty = 0x0009,
    /// <summary>The property value is out of range.</summary>
    PropertyValueOutOfRange = 0x000A,
    /// <summary>There is not enough memory to complete the operation.</summary>
    InsufficientMemory = 0x000B,
    /// <summary>The partition hierarchy is too deep.</summary>
    PartitionTooDeep = 0x000C,
    /// <summary>The partition id is invalid.</summary>
    InvalidPartitionId = 0x000D,
    /// <summary>The virtual processor index is invalid.</summary>
    InvalidVpIndex = 0x000E,
    /// <summary>The object was not found.</summary>
    NotFound = 0x0010,
    /// <summary>The port id is invalid, the port was deleted or is of the wrong type.</summary>
    InvalidPortId = 0x0011,
    /// <summary>The connection id is invalid.</summary>
    InvalidConnectionId = 0x0012,
    /// <summary>The port has no free message buffers (16 per port).</summary>
    InsufficientBuffers = 0x0013,
    /// <summary>The message was not acknowledged.</summary>
    NotAcknowledged = 0x0014,
    /// <summary>The virtual processor is not in a valid state.</summary>
    InvalidVpState = 0x0015,
    /// <summary>The message was acknowledged.</summary>
    Acknowledged = 0x0016,
    /// <summary>The save/restore state is invalid.</summary>
    InvalidSaveRestoreState = 0x0017,
    /// <summary>The target SynIC, its message page or its event flags page is disabled, or the SINT is masked.</summary>
    InvalidSynicState = 0x0018,
    /// <summary>The object is in use.</summary>
    ObjectInUse = 0x0019,
    /// <summary>The proximity domain information is invalid.</summary>
    InvalidProximityDomainInfo = 0x001A,
    /// <summary>No data is available.</summary>
    NoData = 0x001B,
    /// <summary>The object is inactive.</summary>
    Inactive = 0x001C,
    /// <summary>No resources are available.</summary>
    NoResources = 0x001D,
    /// <summary>The feature is unavailable.</summary>
    FeatureUnavailable = 0x001E,
    /// <summary>Only part of a packet was transferred.</summary>
    PartialPacket = 0x001F,
    /// <summary>The processor feature is not supported.</summary>
    ProcessorFeatureNotSupported = 0x0020,
    /// <summary>The processor cache line flush size is incompatible.</summary>
    ProcessorCacheLineFlushSizeIncompatible = 0x0030,
    /// <summary>A caller-supplied buffer is too small (not to be confused with <see cref="InsufficientBuffers"/>).</summary>
    InsufficientBuffer = 0x0033,
    /// <summary>The processor is incompatible.</summary>
    IncompatibleProcessor = 0x0037,
    /// <summary>There are not enough device domains.</summary>
    InsufficientDeviceDomains = 0x0038,
    /// <summary>CPUID feature validation failed.</summary>
    CpuidFeatureValidationError = 0x003C,
    /// <summary>CPUID XSAVE feature validation failed.</summary>
    CpuidXsaveFeatureValidationError = 0x003D,
    /// <summary>A processor did not start in time.</summary>
    ProcessorStartupTimeout = 0x003E,
    /// <summary>SMX is enabled.</summary>
    SmxEnabled = 0x003F,
    /// <summary>The logical processor index is invalid.</summary>
    InvalidLpIndex = 0x0041,
    /// <summary>A register value is invalid.</summary>
    InvalidRegisterValue = 0x0050,
    /// <summary>The VTL state is invalid.</summary>
    InvalidVtlState = 0x0051,
    /// <summary>NX was not detected.</summary>
    NxNotDetected = 0x0055,
    /// <summary>The device id is invalid.</summary>
    InvalidDeviceId = 0x0057,
    /// <summary>The device state is invalid.</summary>
    InvalidDeviceState = 0x0058,
    /// <summary>Page requests are pending.</summary>
    PendingPageRequests = 0x0059,
    /// <summary>A page request is invalid.</summary>
    PageRequestInvalid = 0x0060,
    /// <summary>The key already exists.</summary>
    KeyAlreadyExists = 0x0065,
    /// <summary>The device is already in the domain.</summary>
    DeviceAlreadyInDomain = 0x0066,
    /// <summary>The CPU group id is invalid.</summary>
    InvalidCpuGroupId = 0x006F,
    /// <summary>The CPU group state is invalid.</summary>
    InvalidCpuGroupState = 0x0070,
    /// <summary>The operation failed.</summary>
    OperationFailed = 0x0071,
    /// <summary>The operation is not allowed while nested virtualization is active.</summary>
    NotAllowedWithNestedVirtActive = 0x0072,
    /// <summary>The root partition has not enough memory.</summary>
    InsufficientRootMemory = 0x0073,
    /// <summary>The event buffer was already freed.</summary>
    EventBufferAlreadyFreed = 0x0074,
    /// <summary>The operation timed out; for rep calls also the hypervisor's internal continuation signal.</summary>
    Timeout = 0x0078,
    /// <summary>The call is pending.</summary>
    CallPending = 0x0079,
    /// <summary>The VTL is already enabled.</summary>
    VtlAlreadyEnabled = 0x0086,
    /// <summary>The register name is unknown.</summary>
    UnknownRegisterName = 0x0087,
}
