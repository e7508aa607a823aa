namespace HvCall.Hypervisor.Processors;

/// <summary>An exception the processor raises instead of completing an instruction.</summary>
public enum VpFault
{
    /// <summary>No fault: the instruction completed.</summary>
    None,
    /// <summary>#GP: an invalid MSR access (unknown, read-only, write-only, missing privilege or bad value).</summary>
    GeneralProtection,
    /// <summary>#UD (x64) or undefined-instruction (ARM64): a hypercall the partition may not issue yet.</summary>
    InvalidOpcode,
}
