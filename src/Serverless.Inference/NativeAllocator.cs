using System.Runtime.InteropServices;

namespace Serverless.Inference;

/// <summary>
/// How the process's C allocator, which serves ONNX Runtime, holds memory. With glibc's defaults a serving process's
/// resident memory grows with traffic: malloc raises its mmap threshold each time a large mapped block is freed, so after
/// the first large batch every activation buffer is carved from a heap that is not handed back, and it keeps up to eight
/// heaps per core for the threads that allocate, each holding what its threads freed. Configured here: a block of
/// 128 KiB or more that no free chunk of the heap can serve gets a mapping of its own, returned to the system when ONNX
/// Runtime frees it (its arena shrinks after large runs; fixing the threshold also fixes the heap's trim threshold, so
/// the heap's free top is handed back from 128 KiB), and at most <see cref="HeapLimit"/> heaps are shared by all threads.
/// Measured with the engine and serving benchmarks (README, Benchmarks).
/// </summary>
public static partial class NativeAllocator
{
    /// <summary>Blocks from this size on are mapped on their own: glibc's default threshold, kept fixed.</summary>
    public const int MmapThresholdBytes = 128 * 1024;

    /// <summary>Most malloc heaps (glibc's arenas) the process keeps.</summary>
    public const int HeapLimit = 2;

    private const int MmapThresholdParameter = -3;
    private const int ArenaMaxParameter = -8;

    private static readonly bool s_configured = Apply();

    /// <summary>
    /// Applies the settings once per process and says whether glibc took them; call it early (a thread that allocated
    /// before keeps its heap). Elsewhere (Windows, macOS, a C library without mallopt) nothing changes and it is false.
    /// </summary>
    public static bool Configure() => s_configured;

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return SetAllocatorParameter(MmapThresholdParameter, MmapThresholdBytes) == 1 &
                SetAllocatorParameter(ArenaMaxParameter, HeapLimit) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetAllocatorParameter(int parameter, int value);
}
