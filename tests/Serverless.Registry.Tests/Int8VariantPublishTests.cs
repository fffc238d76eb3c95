using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class Int8VariantPublishTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("int8"));
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();

    public void Dispose() => _test.Dispose();

    [Fact(Timeout = Timeout)]
    public async Task Publish_UploadWithoutVariant_GetsAnInt8VariantGatedOnAgreementThatServes()
    {
        var upload = _test.Upload("keywords", d => TinyModels.WriteKeywordClassifierPackage(d));

        var published = await _test.Registry.PublishDirectoryAsync("spam", upload, _ct);

        var int8 = published.Manifest.Variants![ModelVariants.Int8];
        Assert.Null(int8.Dropped);
        Assert.Equal(PackageFiles.QuantizedModel, int8.File);
        Assert.Contains("agreement", int8.Gate, StringComparison.Ordinal);
        Assert.Equal(Int8Variant.AgreementTexts, int8.Texts);
        Assert.True(int8.Agreement >= Int8Variant.MinAgreement, $"agreement {int8.Agreement}");
        Assert.Null(int8.Accuracy);
        var package = await _test.Registry.DownloadAsync("spam", published.Version, _ct);
        Assert.Equal([ModelVariants.Int8, ModelVariants.Fp32], package.Variants);
        Assert.True(File.Exists(package.ForVariant(ModelVariants.Int8).ModelPath));
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_UploadWhoseInt8DisagreesWithFp32_DropsTheVariantAndSaysWhy()
    {
        var upload = _test.Upload("fragile", d => TinyModels.WriteInt8FragileClassifierPackage(d));

        var published = await _test.Registry.PublishDirectoryAsync("spam", upload, _ct);

        var int8 = published.Manifest.Variants![ModelVariants.Int8];
        Assert.Null(int8.File);
        Assert.Contains("agreed with fp32", int8.Dropped, StringComparison.Ordinal);
        Assert.DoesNotContain(PackageFiles.QuantizedModel, published.Manifest.Files.Keys);
        var package = await _test.Registry.DownloadAsync("spam", published.Version, _ct);
        Assert.Equal([ModelVariants.Fp32], package.Variants);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_PackageWithManifest_IsPublishedAsWrittenWithoutAVariant()
    {
        var written = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_test.WorkDirectory, "as-written"));

        var published = await _test.Registry.PublishDirectoryAsync("spam", written, _ct);

        Assert.Null(published.Manifest.Variants);
        Assert.DoesNotContain(PackageFiles.QuantizedModel, published.Manifest.Files.Keys);
    }
}
