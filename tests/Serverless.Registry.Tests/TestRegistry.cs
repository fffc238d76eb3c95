using System.Diagnostics.Metrics;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

/// <summary>A registry on its own container and cache folder, plus helpers to write small packages.</summary>
internal sealed class TestRegistry : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TestRegistry(AzuriteFixture azurite, string container)
    {
        Container = container;
        CacheDirectory = Directory.CreateTempSubdirectory("registry-cache-").FullName;
        WorkDirectory = Directory.CreateTempSubdirectory("registry-work-").FullName;
        Options = new RegistryOptions { Container = container, CacheDirectory = CacheDirectory };
        Blobs = TestStorage.Create(azurite.ConnectionString).Models;
        Registry = new BlobModelRegistry(Blobs, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<BlobModelRegistry>.Instance);
        Metrics = new RegistryMetrics(_services.GetRequiredService<IMeterFactory>());
    }

    public string Container { get; }
    public string CacheDirectory { get; }
    public string WorkDirectory { get; }
    public RegistryOptions Options { get; }
    public BlobServiceClient Blobs { get; }
    public BlobModelRegistry Registry { get; }

    /// <summary>The registry's metrics on a real meter factory; <see cref="MetricRecorder"/> listens to them by meter name.</summary>
    public RegistryMetrics Metrics { get; }

    public BlobContainerClient ContainerClient => Blobs.GetBlobContainerClient(Container);

    /// <summary>
    /// Writes a complete package (manifest last) of a real tiny classifier whose model carries <paramref name="marker"/> in
    /// its doc string (publishing runs the graph, so the model must be one ONNX Runtime can run).
    /// </summary>
    public string WritePackage(string marker, IReadOnlyList<string>? labels = null)
    {
        var directory = Path.Combine(WorkDirectory, Guid.NewGuid().ToString("N"));
        ModelPackageWriter.Write(directory, Content(marker, labels));
        return directory;
    }

    public static ModelPackageContent Content(string marker, IReadOnlyList<string>? labels = null) => new()
    {
        Model = MarkedModel(marker, (labels ?? ["ham", "spam"]).Count),
        Vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world"],
        TokenizerConfig = new TokenizerConfig { ModelMaxLength = 16 },
        Config = new ModelConfig { MaxPositionEmbeddings = 32, VocabSize = 7, HiddenSize = 4 }.WithLabels(labels ?? ["ham", "spam"]),
        ExtraFiles = new Dictionary<string, byte[]> { [PackageFiles.Card] = "# card"u8.ToArray() },
        Metrics = new System.Text.Json.Nodes.JsonObject { ["accuracy"] = 0.75 },
        Lineage = new Lineage { Base = "tiny@1" },
    };

    /// <summary>The marker a package's model was written with.</summary>
    public static string MarkerOf(string modelPath) => OnnxGraphBuilder.ReadFile(modelPath).Model.DocString;

    private static byte[] MarkedModel(string marker, int labels)
    {
        var config = TinyModels.EncoderConfig().WithLabels([.. Enumerable.Range(0, labels).Select(i => $"label-{i}")]);
        var builder = OnnxGraphBuilder.Read(BertOnnxWriter.Write(config, TinyModels.RandomWeights(config, labels, seed: 1)));
        builder.Model.DocString = marker;
        return builder.ToBytes();
    }

    public void Dispose()
    {
        Directory.Delete(CacheDirectory, recursive: true);
        Directory.Delete(WorkDirectory, recursive: true);
        _services.Dispose();
    }
}
