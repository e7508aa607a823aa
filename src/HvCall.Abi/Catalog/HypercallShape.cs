namespace HvCall.Abi.Catalog;

/// <summary>The calling shape of a hypercall, which decides how the control word must look.</summary>
/// <remarks>TLFS "Hypercall Interface", "Hypercall Classes" and "Variable Sized Hypercall Input".</remarks>
public enum HypercallShape
{
    /// <summary>One operation with fixed-size input and output; rep count and rep start must be zero.</summary>
    Simple,
    /// <summary>A fixed header followed by a list of fixed-size elements; rep count must be non-zero.</summary>
    Rep,
    /// <summary>A simple call whose header has a variable part sized by the control word.</summary>
    Variable,
    /// <summary>A rep call whose header has a variable part sized by the control word.</summary>
    VariableRep,
}
