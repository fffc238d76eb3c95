using System.Runtime.InteropServices;

using Xunit;

namespace Serverless.Inference.Tests;

public sealed class NativeAllocatorTests
{
    /// <summary>glibc marks a chunk served by a mapping of its own with this bit of the size word before it.</summary>
    private const long MappedChunkBit = 0x2;

    [SkippableFact]
    public void LargeBlocksStayMappedAfterALargerBlockIsFreed()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mallopt is glibc's.");
        Assert.True(NativeAllocator.Configure());

        // With glibc's dynamic threshold, freeing this 8 MiB mapped block would raise the threshold to 8 MiB, and blocks
        // below it would be carved from a heap that keeps them after they are freed.
        Marshal.FreeHGlobal(Touch(Marshal.AllocHGlobal(8 << 20), 8 << 20));

        // A free chunk other tests left in the heap may still serve one request of any size, so several are held at once:
        // once the free chunks are used up, a block at or over the threshold gets a mapping of its own.
        var large = Enumerable.Range(0, 4).Select(_ => Marshal.AllocHGlobal(4 << 20)).ToArray();
        var small = Marshal.AllocHGlobal(NativeAllocator.MmapThresholdBytes / 2);
        try
        {
            Assert.True(large.Any(IsMapped), "4 MiB blocks should be mapped on their own, to be returned to the system when freed");
            Assert.False(IsMapped(small), "a 64 KiB block should come from the heap");
        }
        finally
        {
            foreach (var block in large)
            {
                Marshal.FreeHGlobal(block);
            }

            Marshal.FreeHGlobal(small);
        }
    }

    private static bool IsMapped(IntPtr block) => (Marshal.ReadInt64(block, -sizeof(long)) & MappedChunkBit) != 0;

    private static IntPtr Touch(IntPtr block, int bytes)
    {
        for (var offset = 0; offset < bytes; offset += 4096)
        {
            Marshal.WriteByte(block, offset, 1);
        }

        return block;
    }
}
