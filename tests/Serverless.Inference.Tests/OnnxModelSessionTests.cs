using Microsoft.Extensions.Logging;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

public sealed class OnnxModelSessionTests(TinyPackagesFixture packages) : IClassFixture<TinyPackagesFixture>
{
    [Fact]
    public void Run_ClassifierOnCpu_ReturnsOneRowOfLogitsPerText()
    {
        using var session = OnnxModelSession.Create(packages.Classifier, Engines.Cpu, NullLogger());
        var tokenizer = BertTextTokenizer.Create(packages.Classifier);
        var batch = BatchEncoder.Pad([tokenizer.Tokenize("hello world", 64), tokenizer.Tokenize("good movie", 64)], tokenizer.PadId);

        var logits = session.Run(batch, out var shape);

        Assert.Equal("cpu", session.Device);
        Assert.Equal(OnnxModelSession.LogitsOutput, session.OutputName);
        Assert.Equal([2, TinyPackagesFixture.ClassifierLabels.Length], shape);
        Assert.Equal(6, logits.Length);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Run_BaseEncoder_ReturnsHiddenStatesPerToken()
    {
        using var session = OnnxModelSession.Create(packages.BaseEncoder, Engines.Cpu, NullLogger());
        var tokenizer = BertTextTokenizer.Create(packages.BaseEncoder);

        session.Run(BatchEncoder.Pad([tokenizer.Tokenize("hello world", 32)], tokenizer.PadId), out var shape);

        Assert.Equal(OnnxModelSession.HiddenStateOutput, session.OutputName);
        Assert.Equal([1, 4, packages.BaseEncoder.Config.HiddenSize], shape);
    }

    [Fact]
    public void Create_ClassifierConfigOnEncoderGraph_ThrowsInvalidModelPackageNamingLogits()
    {
        var directory = TinyModels.WriteBaseEncoderPackage(packages.NewDirectory("mismatch"));
        var config = PackageJson.Read<ModelConfig>(Path.Combine(directory, PackageFiles.Config));
        ModelPackageWriter.WriteConfig(directory, config.WithLabels(["a", "b"]));
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);

        var error = Assert.Throws<InvalidModelPackageException>(() =>
            OnnxModelSession.Create(ModelPackage.Open(directory), Engines.Cpu, NullLogger()));

        Assert.Contains("'logits'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_LabelCountDifferentFromLogits_ThrowsInvalidModelPackage()
    {
        var directory = TinyModels.WriteClassifierPackage(packages.NewDirectory("labels"), ["a", "b"]);
        var config = PackageJson.Read<ModelConfig>(Path.Combine(directory, PackageFiles.Config));
        ModelPackageWriter.WriteConfig(directory, config.WithLabels(["a", "b", "c"]));
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);

        var error = Assert.Throws<InvalidModelPackageException>(() =>
            OnnxModelSession.Create(ModelPackage.Open(directory), Engines.Cpu, NullLogger()));

        Assert.Contains("3 labels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_FixedShapeInputs_IsRefusedSayingToExportDynamicAxes()
    {
        var package = ModelPackage.Open(TinyModels.WriteFixedShapeClassifierPackage(packages.NewDirectory("fixed"), fixedInputs: true));

        var error = Assert.Throws<InvalidModelPackageException>(() => OnnxModelSession.Create(package, Engines.Cpu, NullLogger()));

        Assert.Contains("fixed shape [1, 8]", error.Message, StringComparison.Ordinal);
        Assert.Contains("dynamic axes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../../../etc/hostname", true)]
    [InlineData("/etc/hostname", true)]
    [InlineData("weights.bin", false)]
    public void Create_InitializerWithExternalData_IsRefusedBeforeOnnxRuntimeSeesIt(string location, bool outside)
    {
        var directory = packages.NewDirectory("external");
        TinyModels.WriteKeywordClassifierPackage(directory);
        File.WriteAllBytes(Path.Combine(directory, "weights.bin"), new byte[4096]);
        File.WriteAllBytes(Path.Combine(directory, PackageFiles.Model), WithExternalData(TinyModels.KeywordModel(), location));
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);

        var error = Assert.Throws<InvalidModelPackageException>(() =>
            OnnxModelSession.Create(ModelPackage.Open(directory), Engines.Cpu, NullLogger()));

        Assert.Contains($"in an external file '{location}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("embeddings.word_embeddings.weight", error.Message, StringComparison.Ordinal);
        Assert.Equal(outside, error.Message.Contains("outside the package", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_ModelFileSwappedAfterVerification_LoadsNothingAndSaysSo()
    {
        var directory = TinyModels.WriteClassifierPackage(packages.NewDirectory("swapped"), ["a", "b"]);
        var package = ModelPackage.Open(directory);
        // Another valid graph of the same size: only the hash tells them apart.
        var other = File.ReadAllBytes(package.ModelPath);
        other[^1] ^= 0x01;
        File.WriteAllBytes(package.ModelPath, other);

        var error = Assert.Throws<InvalidModelPackageException>(() => OnnxModelSession.Create(package, Engines.Cpu, NullLogger()));

        Assert.Contains("changed after it was verified", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Create_DeviceCudaWhereCudaCannotLoad_FailsSayingWhatIsMissing()
    {
        Skip.If(CudaLoads(), "CUDA loads on this machine, so there is no failure to observe.");

        var error = Assert.Throws<InferenceDeviceException>(() => OnnxModelSession.Create(
            packages.Classifier, new ServingOptions { Device = InferenceDevice.Cuda }, NullLogger()));

        Assert.Contains("CUDA execution provider could not be loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("cuDNN", error.Message, StringComparison.Ordinal);
        Assert.Contains("Serving:Device", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Create_DeviceAutoWhereCudaCannotLoad_FallsBackToCpuWithAWarningSayingWhy()
    {
        Skip.If(CudaLoads(), "CUDA loads on this machine, so auto does not fall back.");
        using var provider = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));

        using var session = OnnxModelSession.Create(
            packages.Classifier, new ServingOptions { Device = InferenceDevice.Auto }, factory.CreateLogger("test"));

        Assert.Equal("cpu", session.Device);
        var warning = Assert.Single(provider.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("CUDA", warning.Message, StringComparison.Ordinal);
        Assert.Contains("could not be loaded", warning.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Create_DeviceCudaWhereCudaLoads_RunsOnCuda()
    {
        Skip.IfNot(CudaLoads(), "CUDA cannot be loaded on this machine.");

        using var session = OnnxModelSession.Create(
            packages.Classifier, new ServingOptions { Device = InferenceDevice.Cuda }, NullLogger());
        var tokenizer = BertTextTokenizer.Create(packages.Classifier);
        session.Run(BatchEncoder.Pad([tokenizer.Tokenize("hello world", 64)], tokenizer.PadId), out var shape);

        Assert.Equal("cuda", session.Device);
        Assert.Equal([1, TinyPackagesFixture.ClassifierLabels.Length], shape);
    }

    /// <summary>Moves the word embeddings of a model into an external file at <paramref name="location"/>.</summary>
    internal static byte[] WithExternalData(byte[] model, string location)
    {
        var builder = Serverless.Onnx.OnnxGraphBuilder.Read(model);
        var tensor = builder.Graph.Initializer.Single(i => i.Name == "embeddings.word_embeddings.weight");
        var length = tensor.RawData.Length > 0 ? tensor.RawData.Length : tensor.FloatData.Count * 4;
        tensor.RawData = Google.Protobuf.ByteString.Empty;
        tensor.FloatData.Clear();
        tensor.DataLocation = global::Onnx.TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "offset", Value = "0" });
        tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return builder.ToBytes();
    }

    private static ILogger NullLogger() => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    internal static bool CudaLoads()
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
        try
        {
            options.AppendExecutionProvider_CUDA(0);
            return true;
        }
        catch (Exception ex) when (ex is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
