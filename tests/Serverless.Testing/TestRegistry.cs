using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;

namespace Serverless.Testing;

/// <summary>
/// A registry on its own container and cache folder, plus helpers to write small packages: shared by the registry's tests
/// and the serving tests above it.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    /// <summary>A registry on <paramref name="container"/> of <paramref name="azurite"/>, with fresh cache and work folders.</summary>
    public TestRegistry(AzuriteFixture azurite, string container)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        Container = container;
        CacheDirectory = Directory.CreateTempSubdirectory("registry-cache-").FullName;
        WorkDirectory = Directory.CreateTempSubdirectory("registry-work-").FullName;
        Options = new RegistryOptions { Container = container, CacheDirectory = CacheDirectory };
        Blobs = TestStorage.Create(azurite.ConnectionString).Models;
        Registry = new BlobModelRegistry(Blobs, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<BlobModelRegistry>.Instance);
    }

    /// <summary>The registry's container.</summary>
    public string Container { get; }

    /// <summary>The registry's local cache folder (deleted on dispose).</summary>
    public string CacheDirectory { get; }

    /// <summary>A folder for packages a test writes (deleted on dispose).</summary>
    public string WorkDirectory { get; }

    /// <summary>
    /// A package as a user uploads it: written by <paramref name="write"/> into <see cref="WorkDirectory"/>/<paramref name="name"/>,
    /// then without its manifest, so publishing makes the variants and the manifest itself.
    /// </summary>
    public string Upload(string name, Func<string, string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = write(Path.Combine(WorkDirectory, name));
        File.Delete(Path.Combine(directory, PackageFiles.Manifest));
        return directory;
    }

    /// <summary>The options the registry was made with.</summary>
    public RegistryOptions Options { get; }

    /// <summary>The models storage on Azurite.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>The registry under test.</summary>
    public BlobModelRegistry Registry { get; }

    /// <summary>The registry's container client.</summary>
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

    /// <summary>The content of a complete package of a real tiny classifier marked with <paramref name="marker"/>.</summary>
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

    /// <summary>Deletes the cache and work folders.</summary>
    public void Dispose()
    {
        Directory.Delete(CacheDirectory, recursive: true);
        Directory.Delete(WorkDirectory, recursive: true);
    }
}
