using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class UnpaddedGraphsTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private static readonly string[] s_texts =
        ["free", "hello there my friend how are you", "click here for the prize money now", "ok", "good morning", "winner"];

    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("unpadded"));
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();

    public void Dispose() => _test.Dispose();

    private static async Task<IReadOnlyList<float[]>> LogitsAsync(ModelPackage package, bool unpadded, string expectedExecution)
    {
        await using var engine = await ClassificationEngine.CreateAsync(
            package, new ServingOptions { Device = InferenceDevice.Cpu, Unpadded = unpadded }, new BatchingOptions(), NullLoggerFactory.Instance, CancellationToken.None);
        Assert.Equal(expectedExecution, engine.Execution);
        return await engine.GetLogitsAsync(s_texts, CancellationToken.None);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_BertUpload_GetsAnUnpaddedGraphPerVariantThatServesTheSameLogits()
    {
        var upload = _test.Upload("bert", d => TinyModels.WriteClassifierPackage(d, pooling: "mean"));

        var published = await _test.Registry.PublishDirectoryAsync("spam", upload, _ct);

        var packed = published.Manifest.Packed!;
        Assert.Equal([ModelVariants.Fp32, ModelVariants.Int8], packed.Keys.Order(StringComparer.Ordinal));
        foreach (var (variant, graph) in packed)
        {
            Assert.Null(graph.Unavailable);
            Assert.Equal(PackageFiles.PackedModelOf(variant), graph.File);
            Assert.Contains(graph.File!, published.Manifest.Files.Keys);
            Assert.InRange(graph.MaxLogitDifference!.Value, 0, UnpaddedGraphs.MaxLogitDifference);
            Assert.True(graph.Texts >= Int8Variant.AgreementTexts);
        }

        var package = await _test.Registry.DownloadAsync("spam", published.Version, _ct);
        foreach (var variant in package.Variants)
        {
            var served = package.ForVariant(variant);
            Assert.Null(served.PaddedReason);
            var padded = await LogitsAsync(served, unpadded: false, OnnxModelSession.PaddedExecution);
            var unpadded = await LogitsAsync(served, unpadded: true, OnnxModelSession.UnpaddedExecution);
            for (var i = 0; i < s_texts.Length; i++)
            {
                // The engine batches these texts together; int8's activation scales span the batch, so only fp32 is exact.
                var tolerance = variant == ModelVariants.Fp32 ? UnpaddedGraphs.MaxLogitDifference : 0.05;
                Assert.All(padded[i].Zip(unpadded[i]), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, tolerance));
            }
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_GraphTheWeightReaderDoesNotRecognise_ServesPaddedAndSaysWhy()
    {
        var upload = _test.Upload("keywords", d => TinyModels.WriteKeywordClassifierPackage(d));

        var published = await _test.Registry.PublishDirectoryAsync("spam", upload, _ct);

        var fp32 = published.Manifest.Packed![ModelVariants.Fp32];
        Assert.Null(fp32.File);
        Assert.Contains("weight reader", fp32.Unavailable, StringComparison.Ordinal);
        Assert.DoesNotContain(PackageFiles.PackedModel, published.Manifest.Files.Keys);
        var package = await _test.Registry.DownloadAsync("spam", published.Version, _ct);
        await using var engine = await ClassificationEngine.CreateAsync(
            package, new ServingOptions { Device = InferenceDevice.Cpu, Unpadded = true }, new BatchingOptions(), NullLoggerFactory.Instance, _ct);
        Assert.Equal(OnnxModelSession.PaddedExecution, engine.Execution);
        Assert.Contains("weight reader", engine.PaddedReason, StringComparison.Ordinal);
        Assert.Equal("spam", (await engine.ClassifyAsync(["free money"], topK: null, _ct))[0].Label);
    }

    [Fact(Timeout = Timeout)]
    public async Task Add_PackedGraphThatFailsParity_IsDeletedAndTheVariantServesPadded()
    {
        // Pooling "cls" in config.json over a graph written with mean pooling: the packed graph, written from the config,
        // pools differently, so it fails parity.
        var directory = TinyModels.WriteClassifierPackage(Path.Combine(_test.WorkDirectory, "mismatch"), pooling: "mean");
        var configPath = Path.Combine(directory, PackageFiles.Config);
        var config = PackageJson.Read<ModelConfig>(configPath) with { Pooling = "cls" };
        PackageJson.Write(configPath, config);
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);

        var manifest = await UnpaddedGraphs.AddAsync(directory, NullLogger.Instance, _ct);

        var fp32 = manifest.Packed![ModelVariants.Fp32];
        Assert.Null(fp32.File);
        Assert.Contains("failed parity", fp32.Unavailable, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, PackageFiles.PackedModel)));
        Assert.Contains("failed parity", ModelPackage.Open(directory).PaddedReason, StringComparison.Ordinal);
    }
}
