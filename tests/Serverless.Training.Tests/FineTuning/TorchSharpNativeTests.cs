using static TorchSharp.torch;

namespace Serverless.Training.Tests.FineTuning;

/// <summary>
/// Proves the build step that makes libLibTorchSharp.so load on Debian 12 (see build/TorchSharp.targets) ran:
/// without it, the first tensor operation throws.
/// </summary>
public sealed class TorchSharpNativeTests
{
    [Fact]
    public void TensorOperation_InBuildOutput_LoadsNativeLibraryAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var product = matmul(a, b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }
}
