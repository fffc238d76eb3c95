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

        // With glibc's dynamic threshold, freeing this 8 MiB mapped block would raise the threshold to 8 MiB, and the
        // 256 KiB block below would be carved from a heap that keeps it after it is freed.
        Marshal.FreeHGlobal(Touch(Marshal.AllocHGlobal(8 << 20), 8 << 20));

        var large = Marshal.AllocHGlobal(NativeAllocator.MmapThresholdBytes * 2);
        var small = Marshal.AllocHGlobal(NativeAllocator.MmapThresholdBytes / 2);
        try
        {
            Assert.True(IsMapped(large), "a 256 KiB block should be mapped on its own, to be returned to the system when freed");
            Assert.False(IsMapped(small), "a 64 KiB block should come from the heap");
        }
        finally
        {
            Marshal.FreeHGlobal(large);
            Marshal.FreeHGlobal(small);
        }
    }

    [Fact]
    public void ConfiguresOncePerProcess() => Assert.Equal(NativeAllocator.Configure(), NativeAllocator.Configure());

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
