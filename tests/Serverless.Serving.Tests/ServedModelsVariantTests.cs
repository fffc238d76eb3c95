using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Serving.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ServedModelsVariantTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("variants"));
    private readonly ServingMeters _meters = new();
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();
    private ServedModels? _served;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_served is not null)
        {
            await _served.DisposeAsync();
        }

        _test.Dispose();
        _meters.Dispose();
    }

    /// <summary>Publishes an upload without a manifest, so publish makes (and gates) its int8 variant.</summary>
    private async Task PublishUploadAsync(string model, Func<string, string> write)
    {
        var directory = _test.Upload(Guid.NewGuid().ToString("N"), write);
        var published = await _test.Registry.PublishDirectoryAsync(model, directory, _ct);
        await _test.Registry.SetAliasAsync(model, "production", published.Version, _ct);
    }

    private ServedModels Serve(Dictionary<string, string>? variants = null) => _served = new ServedModels(
        _test.Registry,
        Microsoft.Extensions.Options.Options.Create(_test.Options),
        Microsoft.Extensions.Options.Options.Create(new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = 1, Variants = variants ?? [] }),
        Microsoft.Extensions.Options.Options.Create(new BatchingOptions()),
        _meters.Metrics,
        _meters.Engines,
        NullLoggerFactory.Instance);

    [Fact(Timeout = Timeout)]
    public async Task Acquire_VersionWithInt8_ServesInt8ByDefaultAndFp32WhenAsked()
    {
        await PublishUploadAsync("spam", d => TinyModels.WriteKeywordClassifierPackage(d));
        var served = Serve();

        using var byDefault = await served.AcquireAsync("spam", null, _ct);
        using var fp32 = await served.AcquireAsync("spam", null, ModelVariants.Fp32, _ct);
        using var int8 = await served.AcquireAsync("spam", null, ModelVariants.Int8, _ct);

        Assert.Equal(ModelVariants.Int8, byDefault.Engine.Package.Variant);
        Assert.EndsWith(PackageFiles.QuantizedModel, byDefault.Engine.Package.ModelPath, StringComparison.Ordinal);
        Assert.Same(byDefault.Engine, int8.Engine);
        Assert.Equal(ModelVariants.Fp32, fp32.Engine.Package.Variant);
        Assert.NotSame(byDefault.Engine, fp32.Engine);
        var answers = await Task.WhenAll(fp32.Engine.ClassifyAsync(["click here for free money"], null, _ct), int8.Engine.ClassifyAsync(["click here for free money"], null, _ct));
        Assert.All(answers, a => Assert.Equal("spam", a[0].Label));
        var loaded = Assert.Single(served.Loaded);
        Assert.Equal(ModelVariants.Int8, loaded.Variant);
        Assert.Equal([ModelVariants.Int8, ModelVariants.Fp32], loaded.Variants);
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_AppSettingNamesFp32_ServesFp32ByDefault()
    {
        await PublishUploadAsync("spam", d => TinyModels.WriteKeywordClassifierPackage(d));
        var served = Serve(new Dictionary<string, string> { ["spam"] = ModelVariants.Fp32 });

        using var lease = await served.AcquireAsync("spam", null, _ct);

        Assert.Equal(ModelVariants.Fp32, lease.Engine.Package.Variant);
        Assert.Equal(ModelVariants.Fp32, Assert.Single(served.Loaded).Variant);
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_VariantTheVersionLacks_IsVariantNotFoundAndTheSettingFallsBackToFp32()
    {
        await PublishUploadAsync("fragile", d => TinyModels.WriteInt8FragileClassifierPackage(d));
        var served = Serve(new Dictionary<string, string> { ["fragile"] = ModelVariants.Int8 });

        using var byDefault = await served.AcquireAsync("fragile", null, _ct);
        var error = await Assert.ThrowsAsync<VariantNotFoundException>(() => served.AcquireAsync("fragile", "1", ModelVariants.Int8, _ct));

        Assert.Equal(ModelVariants.Fp32, byDefault.Engine.Package.Variant);
        Assert.Equal(404, error.Status);
        Assert.EndsWith("variant-not-found", error.Type, StringComparison.Ordinal);
        Assert.Contains("dropped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_UnknownVariantSetting_FailsValidationNamingTheModel()
    {
        var options = new ServingOptions { Variants = new() { ["spam"] = "fp16" } };

        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains("Serving:Variants:spam", Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }
}
