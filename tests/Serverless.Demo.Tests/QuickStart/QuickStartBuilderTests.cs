using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Demo.QuickStart;
using Serverless.Options;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training.HeadOnly;

namespace Serverless.Demo.Tests.QuickStart;

[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;

[Collection(AzuriteCollection.Name)]
public sealed class QuickStartBuilderTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("quickstart-cache-");

    public void Dispose() => _cache.Delete(recursive: true);

    private BlobModelRegistry NewRegistry() => new(
        TestStorage.Create(azurite.ConnectionString).Models,
        Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = azurite.UniqueName("quickstart"), CacheDirectory = _cache.FullName }),
        NullLogger<BlobModelRegistry>.Instance);

    private static QuickStartOptions Options => new()
    {
        Training = new HeadTrainingOptions { MaxLength = 16, Epochs = 60, L2Candidates = [1e-2], BatchSize = 8 },
    };

    [Fact(Timeout = 2 * AzuriteFixture.TestTimeoutMs)]
    public async Task EnsureAsync_EmptyRegistry_PublishesBaseAndClassifierOnce()
    {
        using var timeout = new CancellationTokenSource(2 * AzuriteFixture.TestTimeoutMs);
        var registry = NewRegistry();
        var baseWrites = 0;
        var datasetLoads = 0;
        var builder = new QuickStartBuilder(
            registry,
            NullLoggerFactory.Instance,
            directory =>
            {
                baseWrites++;
                TinyModels.WriteBaseEncoderPackage(directory, maxLength: 32);
            },
            _ =>
            {
                datasetLoads++;
                return TinyData.Create();
            });

        var first = await builder.EnsureAsync(Options, null, timeout.Token);
        var second = await builder.EnsureAsync(Options, null, timeout.Token);

        Assert.Equal(("1", true, "1", true), (first.BaseVersion, first.BaseCreated, first.ModelVersion, first.ModelCreated));
        Assert.NotNull(first.Training);
        Assert.Equal(("1", false, "1", false), (second.BaseVersion, second.BaseCreated, second.ModelVersion, second.ModelCreated));
        Assert.Equal((1, 1), (baseWrites, datasetLoads));
        var models = await registry.ListModelsAsync(timeout.Token);
        Assert.Equal(["minilm", "spam"], models.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(models, m => Assert.Equal(["1"], m.Versions));
        Assert.All(models, m => Assert.Equal("1", m.Aliases["production"]));
        var spam = await registry.GetModelAsync("spam", timeout.Token);
        Assert.Equal("minilm@1", spam.Versions[0].Lineage!.Base);
        Assert.Equal("head", spam.Versions[0].Lineage!.TrainingMode);
        Assert.Equal(42, spam.Versions[0].Lineage!.Hyperparameters!["seed"]!.GetValue<int>());
        Assert.NotNull(spam.Versions[0].Metrics!["macro_f1"]);
    }

    [Fact(Timeout = 2 * AzuriteFixture.TestTimeoutMs)]
    public async Task EnsureAsync_BaseWithoutAlias_GetsTheAliasAndIsNotRepublished()
    {
        using var timeout = new CancellationTokenSource(2 * AzuriteFixture.TestTimeoutMs);
        var registry = NewRegistry();
        var baseDirectory = TinyModels.WriteBaseEncoderPackage(Path.Combine(_cache.FullName, "base"), maxLength: 32);
        await registry.PublishDirectoryAsync("minilm", baseDirectory, timeout.Token);
        var builder = new QuickStartBuilder(
            registry,
            NullLoggerFactory.Instance,
            _ => throw new InvalidOperationException("the base exists and must not be written again"),
            _ => TinyData.Create());

        var result = await builder.EnsureAsync(Options, null, timeout.Token);

        Assert.Equal(("1", false, "1", true), (result.BaseVersion, result.BaseCreated, result.ModelVersion, result.ModelCreated));
        Assert.Equal("1", await registry.ResolveVersionAsync("minilm", "production", timeout.Token));
    }
}
