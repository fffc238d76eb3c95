using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

/// <summary>
/// CUDA stays honest: no variant runs on the CPU behind a CUDA device's back. These need a GPU with CUDA 13 and cuDNN 9 and
/// skip themselves elsewhere.
/// </summary>
public sealed class CudaVariantTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cuda-variants-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<ModelPackage> PackageWithInt8Async()
    {
        var directory = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_directory, "keywords"));
        File.Delete(Path.Combine(directory, PackageFiles.Manifest));
        await Int8Variant.AddByAgreementAsync(directory, lineage: null, NullLoggerFactory.Instance, CancellationToken.None);
        return ModelPackage.Open(directory);
    }

    [SkippableFact]
    public async Task Create_Int8VariantOnCuda_IsRefusedNamingTheOperatorInsteadOfRunningItOnTheCpu()
    {
        Skip.IfNot(OnnxModelSessionTests.CudaLoads(), "CUDA cannot be loaded on this machine (no GPU, or no CUDA 13 / cuDNN 9 libraries).");
        var package = (await PackageWithInt8Async()).ForVariant(ModelVariants.Int8);

        var error = Assert.Throws<InvalidModelPackageException>(() =>
            OnnxModelSession.Create(package, new ServingOptions { Device = InferenceDevice.Cuda }, NullLogger.Instance));

        Assert.Contains("DynamicQuantizeMatMul", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp32", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Create_Fp32OnCudaWithCpuFallbackDisabled_RunsOnCudaOrFailsNamingTheSetting()
    {
        Skip.IfNot(OnnxModelSessionTests.CudaLoads(), "CUDA cannot be loaded on this machine (no GPU, or no CUDA 13 / cuDNN 9 libraries).");
        var package = await PackageWithInt8Async();
        var options = new ServingOptions { Device = InferenceDevice.Cuda, DisableCpuFallback = true };

        try
        {
            using var session = OnnxModelSession.Create(package, options, NullLogger.Instance);
            Assert.Equal(OnnxModelSession.CudaDevice, session.Device);
        }
        catch (InvalidModelPackageException error)
        {
            Assert.Contains(OnnxModelSession.DisableCpuFallbackEntry, error.Message, StringComparison.Ordinal);
            Assert.Contains("Serving:DisableCpuFallback", error.Message, StringComparison.Ordinal);
        }
    }
}
