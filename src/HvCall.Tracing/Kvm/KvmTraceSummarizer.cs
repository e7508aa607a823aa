using System;
using System.IO;

namespace HvCall.Tracing.Kvm;

/// <summary>Summarises a KVM trace log (a <see cref="KvmSummary"/>) from a stream, or from a file on several threads.</summary>
/// <remarks>
/// Lines per trace-formats.md §1 and §4, events per §2, pairing per §3; a file read on several threads gives the
/// summary of a sequential read (<see cref="KvmParallelReader"/>).
/// </remarks>
public static class KvmTraceSummarizer
{
    /// <summary>Reads <paramref name="input"/> sequentially into a summary.</summary>
    /// <param name="input">The log.</param>
    /// <param name="options">Buffer size; null for the defaults.</param>
    public static KvmSummary Summarize(Stream input, KvmReaderOptions? options = null)
    {
        var summary = new KvmSummary();
        var result = KvmTraceReader.Read(input, summary, options);
        summary.Lines = result.Lines;
        summary.Bytes = result.Bytes;
        summary.EndedInsideLine = result.EndedInsideLine;
        summary.Binary = result.Binary;
        return summary;
    }

    /// <summary>
    /// Reads a file into a summary: on one thread per processor (<see cref="KvmReaderOptions.Workers"/>) when it is
    /// large enough, else sequentially; the summary is the same either way.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Buffer size, threads; null for the defaults.</param>
    public static KvmSummary SummarizeFile(string path, KvmReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        var workers = options?.Workers is > 0 and var w ? w : Environment.ProcessorCount;
        var minChunk = Math.Max(1, options?.MinChunkBytes ?? new KvmReaderOptions().MinChunkBytes);
        workers = (int)Math.Clamp(Math.Min(workers, length / minChunk), 1, 64);
        if (workers == 1)
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            return Summarize(stream, options);
        }

        Span<byte> probe = stackalloc byte[KvmTraceReader.BinaryProbeBytes];
        var probed = RandomAccess.Read(handle, probe, 0);
        if (KvmTraceReader.LooksBinary(probe[..probed]))
            return new KvmSummary { Bytes = length, Binary = true };
        return KvmParallelReader.Summarize(handle, length, workers, KvmTraceReader.BufferSize(options));
    }
}
