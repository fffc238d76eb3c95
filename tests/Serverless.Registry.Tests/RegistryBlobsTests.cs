using Serverless.Errors;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class RegistryBlobsTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("blobs"));
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();

    public void Dispose() => _test.Dispose();

    [Fact(Timeout = Timeout)]
    public async Task Scan_ReadsOneModelsFolder_AndNotANeighbourSharingItsPrefix()
    {
        await _test.ContainerClient.CreateAsync(cancellationToken: _ct);
        foreach (var name in new[] { "spam/1/.claimed", "spam/1/manifest.json", "spam/2/.claimed", "spam/aliases.json", "spam-2/7/manifest.json" })
        {
            await _test.ContainerClient.GetBlobClient(name).UploadAsync(BinaryData.FromString("{}"), _ct);
        }

        var blobs = new RegistryBlobs(_test.ContainerClient);
        var spam = await blobs.ScanAsync("spam", _ct);
        var all = await blobs.ScanAllAsync(_ct);

        Assert.Equal([1, 2], spam.Claimed);
        Assert.Equal([1], spam.Published);
        Assert.True(spam.HasAliases);
        Assert.Equal(["spam", "spam-2"], all.Keys);
        Assert.Equal([7], all["spam-2"].Published);
        Assert.Equal(["spam/2/.claimed"], await blobs.ListVersionAsync("spam", 2, _ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task ContainerThatDoesNotExist_ReadsAsAnEmptyRegistry()
    {
        var blobs = new RegistryBlobs(_test.ContainerClient);

        Assert.Empty(await blobs.ScanAllAsync(_ct));
        Assert.Empty((await blobs.ScanAsync("spam", _ct)).Claimed);
        Assert.Null(await blobs.ReadManifestAsync("spam", 1, _ct));
        Assert.False(await _test.ContainerClient.ExistsAsync(_ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task ReadManifest_ReturnsTheManifestWithItsExactBytes_AndRefusesOneListingNoFiles()
    {
        var package = _test.WritePackage("a");
        await TestStorage.UploadVersionAsync(_test.ContainerClient, "spam", 1, package, _ct);
        await _test.ContainerClient.GetBlobClient("spam/2/manifest.json").UploadAsync(BinaryData.FromString("""{"files":{}}"""), _ct);
        var blobs = new RegistryBlobs(_test.ContainerClient);

        var found = await blobs.ReadManifestAsync("spam", 1, _ct);
        var empty = await Assert.ThrowsAsync<InvalidModelPackageException>(() => blobs.ReadManifestAsync("spam", 2, _ct));

        Assert.Equal(File.ReadAllBytes(Path.Combine(package, PackageFiles.Manifest)), found!.Value.Content.ToArray());
        Assert.Contains(PackageFiles.Model, found.Value.Manifest.Files.Keys);
        Assert.Contains("manifest.json of version 2 of model 'spam' lists no files", empty.Message, StringComparison.Ordinal);
    }
}
