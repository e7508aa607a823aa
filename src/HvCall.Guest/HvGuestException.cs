using System;

namespace HvCall.Guest;

/// <summary>A guest-side operation failed: a register access faulted or a hypercall it relies on returned an error.</summary>
public sealed class HvGuestException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, in one line.</param>
    public HvGuestException(string message) : base(message) { }
}
