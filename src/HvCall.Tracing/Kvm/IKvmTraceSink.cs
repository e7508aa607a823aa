using System;

namespace HvCall.Tracing.Kvm;

/// <summary>
/// Receives a KVM trace log as the reader decodes it: every line, and every hypercall once its outcome is known.
/// </summary>
/// <remarks>
/// Order (sequential reading, <see cref="KvmTraceReader.Read(System.IO.Stream, IKvmTraceSink, KvmReaderOptions?)"/>):
/// <see cref="OnRecord"/> follows the input line by line. <see cref="OnCall"/> comes as soon as a call's outcome is
/// known (trace-formats.md §3): a paired call just before the <see cref="OnRecord"/> of its <c>_done</c> line; a call
/// with no <c>_done</c> just before the <see cref="OnRecord"/> of its task's next call, or at the end of the input; a
/// <c>_done</c> without a call just before its own line. Every <c>kvm_hv_hypercall</c> and every
/// <c>kvm_hv_hypercall_done</c> appears in exactly one <see cref="OnCall"/>. The line span is valid only during the call.
/// </remarks>
public interface IKvmTraceSink
{
    /// <summary>One line of the input: an event, a header, a blank line, an unparsed line…</summary>
    /// <param name="record">The decoded line.</param>
    /// <param name="line">Its bytes (offsets in <paramref name="record"/> point into them).</param>
    void OnRecord(in KvmRecord record, ReadOnlySpan<byte> line);

    /// <summary>A hypercall whose outcome is now known.</summary>
    /// <param name="call">The call, its <c>_done</c> and how it ended.</param>
    void OnCall(KvmHypercall call);
}
