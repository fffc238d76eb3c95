using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Registry.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class BlobModelRegistryTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("registry"));
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();

    private BlobModelRegistry Registry => _test.Registry;

    public void Dispose() => _test.Dispose();

    [Fact(Timeout = Timeout)]
    public async Task Publish_ThenResolveAndDownload_ReturnsTheVerifiedPackage()
    {
        var published = await Registry.PublishDirectoryAsync("spam", _test.WritePackage("first"), _ct);
        await Registry.SetAliasAsync("spam", "production", published.Version, _ct);

        var version = await Registry.ResolveVersionAsync("spam", "production", _ct);
        var package = await Registry.DownloadAsync("spam", version, _ct);

        Assert.Equal("1", published.Version);
        Assert.Equal("1", version);
        Assert.Equal("first", TestRegistry.MarkerOf(package.ModelPath));
        Assert.Equal(["ham", "spam"], package.Config.LabelsInOrder());
        Assert.StartsWith(_test.CacheDirectory, package.Directory, StringComparison.Ordinal);
        Assert.Equal("tiny@1", package.Manifest.Lineage!.Base);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_SecondVersion_GetsTheNextNumberAndBothAreListed()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("b"), _ct);
        await Registry.PublishDirectoryAsync("reviews", _test.WritePackage("c", ["bad", "good", "great"]), _ct);
        await Registry.SetAliasAsync("spam", "production", "2", _ct);
        await Registry.SetAliasAsync("spam", "candidate", "1", _ct);

        var models = await Registry.ListModelsAsync(_ct);
        var spam = await Registry.GetModelAsync("spam", _ct);

        Assert.Equal(["reviews", "spam"], models.Select(m => m.Name));
        Assert.Equal(["1", "2"], models[1].Versions);
        Assert.Equal("2", models[1].Aliases["production"]);
        Assert.Equal(["1", "2"], spam.Versions.Select(v => v.Version));
        Assert.Equal(0.75, (double)spam.Versions[0].Metrics!["accuracy"]!);
        Assert.Contains(PackageFiles.Model, spam.Versions[1].Files.Keys);
        Assert.Equal("tiny@1", spam.Versions[1].Lineage!.Base);
        Assert.Equal("1", spam.Aliases["candidate"]);
        Assert.Empty(models[0].Aliases);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_EightConcurrentPublishers_GetDistinctVersionsWithIntactFiles()
    {
        var packages = Enumerable.Range(0, 8).Select(i => _test.WritePackage($"publisher-{i}")).ToArray();

        var published = await Task.WhenAll(packages.Select(p => Task.Run(() => Registry.PublishDirectoryAsync("spam", p, _ct))));

        Assert.Equal(Enumerable.Range(1, 8).Select(v => v.ToString()), published.Select(p => p.Version).Order(StringComparer.Ordinal).OrderBy(v => v.Length));
        foreach (var (version, index) in published.Select((p, i) => (p.Version, i)))
        {
            var package = await Registry.DownloadAsync("spam", version, _ct);
            Assert.Equal($"publisher-{index}", TestRegistry.MarkerOf(package.ModelPath));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_FileCorruptedAfterPublishing_IsRefusedWithTheReasonAndNothingIsCached()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("good"), _ct);
        await _test.ContainerClient.GetBlobClient("spam/1/vocab.txt").UploadAsync(BinaryData.FromString("tampered\n"), overwrite: true, _ct);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.DownloadAsync("spam", "1", _ct));

        Assert.Contains("vocab.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(422, error.Status);
        Assert.Empty(Directory.GetFiles(_test.CacheDirectory, "*", SearchOption.AllDirectories));
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_FileWithSameSizeButOtherContent_IsRefusedForItsHash()
    {
        var package = _test.WritePackage("good");
        await Registry.PublishDirectoryAsync("spam", package, _ct);
        var evil = File.ReadAllBytes(Path.Combine(package, PackageFiles.Model));
        evil[^1] ^= 0xFF;
        await _test.ContainerClient.GetBlobClient("spam/1/model.onnx").UploadAsync(BinaryData.FromBytes(evil), overwrite: true, _ct);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.DownloadAsync("spam", "1", _ct));

        Assert.Contains("model.onnx does not match its sha256", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task VersionWithoutManifest_IsNeitherListedNorServed_AndItsNumberIsNotReused()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("complete"), _ct);
        var partial = _test.WritePackage("partial");
        foreach (var file in new[] { PackageFiles.Model, PackageFiles.Vocab, PackageFiles.Config })
        {
            await _test.ContainerClient.GetBlobClient($"spam/2/{file}").UploadAsync(Path.Combine(partial, file), _ct);
        }

        var details = await Registry.GetModelAsync("spam", _ct);
        var download = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.DownloadAsync("spam", "2", _ct));
        var resolve = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "2", _ct));
        var alias = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.SetAliasAsync("spam", "production", "2", _ct));
        var next = await Registry.PublishDirectoryAsync("spam", _test.WritePackage("next"), _ct);

        Assert.Equal(["1"], details.Versions.Select(v => v.Version));
        Assert.Contains("no published version 2", download.Message, StringComparison.Ordinal);
        Assert.Equal(404, resolve.Status);
        Assert.Equal(404, alias.Status);
        Assert.Equal("3", next.Version);
    }

    [Fact(Timeout = Timeout)]
    public async Task VersionWithUnreadableManifest_IsNotListedAndIsRefusedOnDownload()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("good"), _ct);
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("broken"), _ct);
        await _test.ContainerClient.GetBlobClient("spam/2/manifest.json").UploadAsync(BinaryData.FromString("{ not json"), overwrite: true, _ct);

        var details = await Registry.GetModelAsync("spam", _ct);
        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.DownloadAsync("spam", "2", _ct));

        Assert.Equal(["1"], details.Versions.Select(v => v.Version));
        Assert.Contains("manifest.json of version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task SetAlias_ConcurrentWritersOfOneAliasesFile_KeepEveryAlias()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        var aliases = Enumerable.Range(0, 6).Select(i => $"alias-{(char)('a' + i)}").ToArray();

        await Task.WhenAll(aliases.Select(a => Task.Run(() => Registry.SetAliasAsync("spam", a, "1", _ct))));

        var stored = await Registry.GetAliasesAsync("spam", _ct);
        Assert.Equal(aliases, stored.Aliases.Keys.Order(StringComparer.Ordinal));
        Assert.NotNull(stored.ETag);
    }

    [Fact(Timeout = Timeout)]
    public async Task GetAliasesIfChanged_ReturnsNullUntilTheAliasesChange()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("b"), _ct);
        Assert.Null(await Registry.GetAliasesIfChangedAsync("spam", null, _ct));
        await Registry.SetAliasAsync("spam", "production", "1", _ct);
        var first = await Registry.GetAliasesIfChangedAsync("spam", null, _ct);

        var unchanged = await Registry.GetAliasesIfChangedAsync("spam", first!.ETag, _ct);
        await Registry.SetAliasAsync("spam", "production", "2", _ct);
        var changed = await Registry.GetAliasesIfChangedAsync("spam", first.ETag, _ct);

        Assert.Equal("1", first.Aliases["production"]);
        Assert.Null(unchanged);
        Assert.Equal("2", changed!.Aliases["production"]);
        Assert.NotEqual(first.ETag, changed.ETag);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("../models")]
    [InlineData("Spam")]
    [InlineData("spam/1")]
    [InlineData("-spam")]
    [InlineData("")]
    public async Task InvalidModelName_IsABadRequestBeforeAnyStorageAccess(string name)
    {
        var package = _test.WritePackage("a");
        var calls = new Func<Task>[]
        {
            () => Registry.GetModelAsync(name, _ct),
            () => Registry.ResolveVersionAsync(name, "production", _ct),
            () => Registry.DownloadAsync(name, "1", _ct),
            () => Registry.PublishDirectoryAsync(name, package, _ct),
            () => Registry.PublishFromBlobFolderAsync(name, "uploads/x/", _ct),
            () => Registry.SetAliasAsync(name, "production", "1", _ct),
        };

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<InvalidRequestException>(call);
            Assert.Equal(400, error.Status);
            Assert.EndsWith("invalid-model-name", error.Type, StringComparison.Ordinal);
        }

        Assert.False(await _test.ContainerClient.ExistsAsync(_ct));
    }

    [Theory(Timeout = Timeout)]
    [InlineData("0")]
    [InlineData("01")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public async Task InvalidVersion_IsABadRequest(string version)
    {
        var download = await Assert.ThrowsAsync<InvalidRequestException>(() => Registry.DownloadAsync("spam", version, _ct));
        var alias = await Assert.ThrowsAsync<InvalidRequestException>(() => Registry.SetAliasAsync("spam", "production", version, _ct));

        Assert.EndsWith("invalid-version", download.Type, StringComparison.Ordinal);
        Assert.EndsWith("invalid-version", alias.Type, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task UnknownModelVersionOrAlias_IsNotFound()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        await Registry.SetAliasAsync("spam", "production", "1", _ct);

        var model = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.GetModelAsync("nope", _ct));
        var modelAlias = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("nope", "production", _ct));
        var version = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "7", _ct));
        var alias = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "candidate", _ct));
        var download = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.DownloadAsync("spam", "7", _ct));

        Assert.Contains("'nope' does not exist", model.Message, StringComparison.Ordinal);
        Assert.Contains("'nope' does not exist", modelAlias.Message, StringComparison.Ordinal);
        Assert.Contains("no published version 7", version.Message, StringComparison.Ordinal);
        Assert.Contains("its aliases: production", alias.Message, StringComparison.Ordinal);
        Assert.Equal(404, download.Status);
    }

    [Fact(Timeout = Timeout)]
    public async Task NotFound_SaysWhatIsMissingInRegistryTerms_AndNamesNoRoute()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);

        var model = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.GetModelAsync("nope", _ct));
        var version = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "7", _ct));
        var download = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.DownloadAsync("spam", "7", _ct));
        var setAlias = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.SetAliasAsync("spam", "production", "7", _ct));
        var noAliasYet = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "candidate", _ct));
        await Registry.SetAliasAsync("spam", "production", "1", _ct);
        var otherAlias = await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.ResolveVersionAsync("spam", "candidate", _ct));

        Assert.Equal(new MissingModel("nope"), model.Missing);
        Assert.All(new[] { version, download, setAlias }, e => Assert.Equal(new MissingModel("spam", Version: "7"), e.Missing));
        Assert.All(new[] { noAliasYet, otherAlias }, e => Assert.Equal(new MissingModel("spam", Alias: "candidate"), e.Missing));
        Assert.Contains("publish one first", model.Message, StringComparison.Ordinal);
        Assert.Contains("(it has none yet): give a version number, or set the alias first", noAliasYet.Message, StringComparison.Ordinal);
        Assert.Contains("(its aliases: production)", otherAlias.Message, StringComparison.Ordinal);
        Assert.All(new[] { model, version, download, setAlias, noAliasYet, otherAlias }, e => Assert.DoesNotContain("/api/", e.Message, StringComparison.Ordinal));
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_HuggingFaceExportWithoutManifest_PublishesWithAComputedManifest()
    {
        var uploads = _test.Blobs.GetBlobContainerClient(azurite.UniqueName("uploads"));
        await uploads.CreateAsync(cancellationToken: _ct);
        var local = _test.WritePackage("hf-export");
        File.Delete(Path.Combine(local, PackageFiles.Manifest));
        foreach (var file in Directory.EnumerateFiles(local))
        {
            var name = Path.GetFileName(file);
            var blobName = name == PackageFiles.Model ? "my-model/onnx/model.onnx" : $"my-model/{name}";
            await uploads.GetBlobClient(blobName).UploadAsync(file, _ct);
        }

        var published = await Registry.PublishFromBlobFolderAsync("imported", $"{uploads.Name}/my-model/", _ct);
        var package = await Registry.DownloadAsync("imported", published.Version, _ct);

        Assert.Equal("1", published.Version);
        Assert.Contains("onnx/model.onnx", published.Manifest.Files.Keys);
        Assert.Equal($"uploaded from {uploads.Name}/my-model/", published.Manifest.Lineage!.Base);
        Assert.Equal("hf-export", TestRegistry.MarkerOf(package.ModelPath));
        Assert.EndsWith(Path.Combine("onnx", "model.onnx"), package.ModelPath, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_SameRunAgain_FindsItsVersionAndMakesNoSecond()
    {
        var uploads = await UploadFolderAsync(_test.WritePackage("run-a"));
        var first = await Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", "run-a", _ct);
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("someone-else"), _ct);

        var again = await Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", "run-a", _ct);

        Assert.Equal("1", first.Version);
        Assert.Equal("1", again.Version);
        Assert.Equal(["1", "2"], (await Registry.GetModelAsync("spam", _ct)).Versions.Select(v => v.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_RunWhoseEarlierAttemptStoppedHalfWay_FinishesThatVersion()
    {
        var local = _test.WritePackage("half-way");
        await _test.ContainerClient.CreateIfNotExistsAsync(cancellationToken: _ct);
        await _test.ContainerClient.GetBlobClient("spam/1/.claimed").UploadAsync(
            BinaryData.FromString("""{"claimedAt":"2026-12-01T00:00:00Z","host":"crashed","runId":"run-b"}"""), _ct);
        await _test.ContainerClient.GetBlobClient($"spam/1/{PackageFiles.Model}").UploadAsync(Path.Combine(local, PackageFiles.Model), _ct);
        var uploads = await UploadFolderAsync(local);

        var published = await Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", "run-b", _ct);

        Assert.Equal("1", published.Version);
        Assert.Equal("half-way", TestRegistry.MarkerOf((await Registry.DownloadAsync("spam", "1", _ct)).ModelPath));
    }

    [Fact(Timeout = Timeout)]
    public async Task SetAlias_WithAPrecondition_MovesTheAliasOnlyWhileItStillPointsThere()
    {
        foreach (var marker in new[] { "a", "b", "c" })
        {
            await Registry.PublishDirectoryAsync("spam", _test.WritePackage(marker), _ct);
        }

        var fromNothing = await Registry.SetAliasAsync("spam", "production", "1", new AliasPrecondition(null), _ct);
        var fromOne = await Registry.SetAliasAsync("spam", "production", "2", new AliasPrecondition("1"), _ct);
        var stale = await Registry.SetAliasAsync("spam", "production", "3", new AliasPrecondition("1"), _ct);
        var notUnset = await Registry.SetAliasAsync("spam", "production", "3", new AliasPrecondition(null), _ct);

        Assert.True(fromNothing);
        Assert.True(fromOne);
        Assert.False(stale);
        Assert.False(notUnset);
        Assert.Equal("2", (await Registry.GetAliasesAsync("spam", _ct)).Aliases["production"]);
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_WithItsOwnManifest_IsVerifiedAndPublished()
    {
        var uploads = await UploadFolderAsync(_test.WritePackage("with-manifest"));

        var published = await Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg", _ct);

        Assert.Equal("tiny@1", published.Manifest.Lineage!.Base);
        Assert.Equal("with-manifest", TestRegistry.MarkerOf((await Registry.DownloadAsync("spam", "1", _ct)).ModelPath));
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_ManifestThatDoesNotMatch_IsRefusedAndNothingIsPublished()
    {
        var local = _test.WritePackage("a");
        File.WriteAllText(Path.Combine(local, PackageFiles.Vocab), "changed\n");
        var uploads = await UploadFolderAsync(local);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", _ct));

        Assert.Contains("vocab.txt", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Registry.ListModelsAsync(_ct));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(PackageFiles.Vocab, null, "no vocab.txt")]
    [InlineData(PackageFiles.Tokenizer, null, "no tokenizer.json")]
    [InlineData(PackageFiles.Model, null, "no model.onnx")]
    [InlineData(PackageFiles.Config, "{ not json", "config.json is not valid JSON")]
    [InlineData(PackageFiles.Config, """{"id2label":{"0":"a","5":"b"}}""", "invalid id '5'")]
    [InlineData(PackageFiles.Config, """{"id2label":{"0":"a"},"problem_type":"regression"}""", "problem_type 'regression'")]
    public async Task PublishFromBlobFolder_BrokenPackage_IsRefusedWithASpecificReason(string file, string? content, string reason)
    {
        var local = _test.WritePackage("a");
        File.Delete(Path.Combine(local, PackageFiles.Manifest));
        if (content is null)
        {
            File.Delete(Path.Combine(local, file));
        }
        else
        {
            File.WriteAllText(Path.Combine(local, file), content);
        }

        var uploads = await UploadFolderAsync(local);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", _ct));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{uploads}/pkg/", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Registry.ListModelsAsync(_ct));
    }

    [Theory(Timeout = Timeout)]
    [InlineData("plots//loss.svg", "empty segment")]
    // Storage turns backslashes into slashes, so this one arrives as "plots/a/../../loss.svg".
    [InlineData("plots/a\\..\\..\\loss.svg", "'..'")]
    [InlineData("/loss.svg", "absolute path")]
    public async Task PublishFromBlobFolder_BlobNameWithAPathTrick_IsRefusedAsAnInvalidPackage(string name, string reason)
    {
        var local = _test.WritePackage("a");
        File.Delete(Path.Combine(local, PackageFiles.Manifest));
        var uploads = await UploadFolderAsync(local);
        await _test.Blobs.GetBlobContainerClient(uploads).GetBlobClient("pkg/" + name).UploadAsync(BinaryData.FromString("<svg/>"), _ct);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/pkg/", _ct));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Empty(await Registry.ListModelsAsync(_ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_EmptyOrMissingSource_IsSourceNotFound()
    {
        var uploads = await UploadFolderAsync(_test.WritePackage("a"));

        var emptyFolder = await Assert.ThrowsAsync<InvalidRequestException>(() => Registry.PublishFromBlobFolderAsync("spam", $"{uploads}/other/", _ct));
        var noContainer = await Assert.ThrowsAsync<InvalidRequestException>(() => Registry.PublishFromBlobFolderAsync("spam", "no-such-container/pkg/", _ct));

        Assert.EndsWith("source-not-found", emptyFolder.Type, StringComparison.Ordinal);
        Assert.EndsWith("source-not-found", noContainer.Type, StringComparison.Ordinal);
        Assert.Contains("upload the package folder there first", noContainer.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("../etc/passwd")]
    [InlineData("uploads/../models/")]
    [InlineData("uploads/./x/")]
    [InlineData("Uploads/x/")]
    [InlineData("up/x")]
    [InlineData("a--b/x/")]
    [InlineData("uploads/x\\y/")]
    [InlineData("")]
    public async Task PublishFromBlobFolder_InvalidSource_IsABadRequest(string source)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Registry.PublishFromBlobFolderAsync("spam", source, _ct));

        Assert.EndsWith("invalid-source", error.Type, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_CachedVerifiedCopy_IsReusedWithoutDownloadingAgain()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("cached"), _ct);
        var first = await Registry.DownloadAsync("spam", "1", _ct);
        // With the model blob gone, only the cached copy can satisfy the second download.
        await _test.ContainerClient.GetBlobClient("spam/1/model.onnx").DeleteAsync(cancellationToken: _ct);

        var second = await Registry.DownloadAsync("spam", "1", _ct);

        Assert.Equal(first.Directory, second.Directory);
        Assert.Equal("cached", TestRegistry.MarkerOf(second.ModelPath));
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_CachedCopyCorruptedOnDisk_IsDownloadedAgain()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("cached"), _ct);
        var first = await Registry.DownloadAsync("spam", "1", _ct);
        File.WriteAllText(first.ModelPath, "onnx-bytes:broken");

        var second = await Registry.DownloadAsync("spam", "1", _ct);

        Assert.Equal("cached", TestRegistry.MarkerOf(second.ModelPath));
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_ConcurrentCallers_ShareOneVerifiedCopy()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("shared"), _ct);

        var packages = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Registry.DownloadAsync("spam", "1", _ct))));

        Assert.Single(packages.Select(p => p.Directory).Distinct());
        Assert.Single(Directory.EnumerateDirectories(Path.GetDirectoryName(packages[0].Directory)!));
    }

    [Fact(Timeout = Timeout)]
    public async Task UnreachableStorage_FailsWithinSecondsAsStorageUnavailable()
    {
        var port = FreePort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        var registry = new BlobModelRegistry(
            TestStorage.Create(connection).Models,
            Microsoft.Extensions.Options.Options.Create(_test.Options),
            NullLogger<BlobModelRegistry>.Instance);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => registry.ListModelsAsync(_ct));
        var publish = await Assert.ThrowsAsync<ServiceUnavailableException>(() => registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct));

        Assert.Equal(ProblemTypes.StorageUnavailable.Type, error.Type);
        Assert.Contains("check the storage connection", error.Message, StringComparison.Ordinal);
        Assert.Equal(503, publish.Status);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_WhileStorageIsUnreachable_ServesTheVerifiedCachedCopy()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("offline"), _ct);
        await Registry.DownloadAsync("spam", "1", _ct);
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{FreePort()}/devstoreaccount1;";
        var offline = new BlobModelRegistry(
            TestStorage.Create(connection).Models,
            Microsoft.Extensions.Options.Options.Create(_test.Options),
            NullLogger<BlobModelRegistry>.Instance);

        var package = await offline.DownloadAsync("spam", "1", _ct);
        var uncached = await Assert.ThrowsAsync<ServiceUnavailableException>(() => offline.DownloadAsync("spam", "2", _ct));

        Assert.Equal("offline", TestRegistry.MarkerOf(package.ModelPath));
        Assert.Equal(503, uncached.Status);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_GraphThatFailsItsWarmUpRun_IsRefusedAndClaimsNoVersion()
    {
        var broken = TinyModels.WriteFixedShapeClassifierPackage(Path.Combine(_test.WorkDirectory, "reshape"), fixedInputs: false);

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.PublishDirectoryAsync("spam", broken, _ct));
        var next = await Registry.PublishDirectoryAsync("spam", _test.WritePackage("good"), _ct);

        Assert.Equal(422, error.Status);
        Assert.Contains("failed its warm-up run", error.Message, StringComparison.Ordinal);
        Assert.Equal("1", next.Version);
    }

    [Fact(Timeout = Timeout)]
    public async Task Publish_ManifestOmittingARequiredFile_IsRefusedAndNothingIsPublished()
    {
        var package = _test.WritePackage("forgetful");
        var manifestPath = Path.Combine(package, PackageFiles.Manifest);
        var manifest = PackageJson.Read<Manifest>(manifestPath);
        PackageJson.Write(manifestPath, manifest with { Files = manifest.Files.Where(f => f.Key != PackageFiles.Tokenizer).ToDictionary() });

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Registry.PublishDirectoryAsync("spam", package, _ct));

        Assert.Equal(422, error.Status);
        Assert.Contains("does not list tokenizer.json", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Registry.GetModelAsync("spam", _ct));
    }

    [Fact(Timeout = Timeout)]
    public async Task Download_CacheFolderThatCannotBeWritten_Is503NamingTheCache()
    {
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        var file = Path.Combine(_test.WorkDirectory, "a-file");
        File.WriteAllText(file, "in the way");
        var blocked = RegistryWithCache(Path.Combine(file, "cache"));

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => blocked.DownloadAsync("spam", "1", _ct));

        Assert.Equal(503, error.Status);
        Assert.Equal(ProblemTypes.ModelCacheUnavailable.Type, error.Type);
        Assert.Contains("Registry:CacheDirectory", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task PublishFromBlobFolder_CacheFolderThatCannotBeWritten_Is503AndPublishesNothing()
    {
        var source = $"{await UploadFolderAsync(_test.WritePackage("a"))}/pkg/";
        var file = Path.Combine(_test.WorkDirectory, "not-a-folder");
        File.WriteAllText(file, "in the way");
        var blocked = RegistryWithCache(Path.Combine(file, "cache"));

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => blocked.PublishFromBlobFolderAsync("spam", source, _ct));

        Assert.Equal(ProblemTypes.ModelCacheUnavailable.Type, error.Type);
        Assert.Empty(await Registry.ListModelsAsync(_ct));
    }

    [SkippableFact(Timeout = Timeout)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Download_CacheFolderOthersMayWrite_IsRefusedAs503()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes only.");
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        var shared = Directory.CreateDirectory(Path.Combine(_test.WorkDirectory, "shared")).FullName;
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => RegistryWithCache(shared).DownloadAsync("spam", "1", _ct));

        Assert.Equal(ProblemTypes.ModelCacheUnavailable.Type, error.Type);
        Assert.Contains("group or other users may write to it (mode 777)", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(shared));
    }

    [SkippableFact(Timeout = Timeout)]
    public async Task Download_CacheFolderOfAnotherUser_IsRefusedAs503()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "Only root can give a folder to another user.");
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("a"), _ct);
        var foreign = Directory.CreateTempSubdirectory("foreign-cache-").FullName;
        try
        {
            using (var chown = Process.Start("chown", ["65534:65534", foreign]))
            {
                await chown.WaitForExitAsync(_ct);
                Assert.Equal(0, chown.ExitCode);
            }

            var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => RegistryWithCache(foreign).DownloadAsync("spam", "1", _ct));

            Assert.Contains("belongs to user 65534", error.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(foreign));
        }
        finally
        {
            Directory.Delete(foreign, recursive: true);
        }
    }

    [SkippableFact(Timeout = Timeout)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Download_WithoutACacheSetting_UsesAPerUserFolderOnlyItsOwnerCanEnter()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes only.");
        await Registry.PublishDirectoryAsync("spam", _test.WritePackage("default-cache"), _ct);
        var registry = RegistryWithCache(null);

        var package = await registry.DownloadAsync("spam", "1", _ct);

        var root = Path.GetRelativePath(Path.GetTempPath(), package.Directory).Split(Path.DirectorySeparatorChar)[0];
        Assert.Matches("^serverless-models-[0-9]+$", root);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(Path.GetTempPath(), root)));
        Assert.Equal("default-cache", TestRegistry.MarkerOf(package.ModelPath));
        await registry.RemoveFromCacheAsync("spam", "1");
        Assert.False(Directory.Exists(package.Directory));
    }

    private BlobModelRegistry RegistryWithCache(string? cacheDirectory) => new(
        _test.Blobs,
        Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = _test.Container, CacheDirectory = cacheDirectory }),
        NullLogger<BlobModelRegistry>.Instance);

    private async Task<string> UploadFolderAsync(string local)
    {
        var uploads = _test.Blobs.GetBlobContainerClient(azurite.UniqueName("uploads"));
        await uploads.CreateAsync(cancellationToken: _ct);
        foreach (var file in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(local, file).Replace('\\', '/');
            await uploads.GetBlobClient($"pkg/{relative}").UploadAsync(file, _ct);
        }

        return uploads.Name;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
