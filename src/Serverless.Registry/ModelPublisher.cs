using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// Publishes packages as new versions. A version number is claimed atomically (its marker blob created with
/// If-None-Match: *), so concurrent publishers never share or overwrite one; a training run's id is part of its claim, so
/// a retried publish of that run finds its version instead of making a second. Files are uploaded first and manifest.json
/// last, each never overwriting a blob; a publish that fails removes its partial files (the claim stays, so the number is
/// never handed out twice). A package uploaded without a manifest gets its int8 variant and unpadded graphs, each gated,
/// before its manifest is computed. Thread-safe.
/// </summary>
internal sealed class ModelPublisher(BlobServiceClient storage, RegistryBlobs blobs, string cacheBase, ILogger logger)
{
    private const int MaxClaimAttempts = 64;
    private const int MaxSourceFiles = 1000;
    private const long MaxSourceBytes = 8L << 30;

    /// <summary>
    /// Publishes a package folder on local disk as the next version. A folder with a manifest must match it; one without
    /// gets a manifest computed from its files (on a temporary copy).
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public async Task<PublishedVersion> PublishDirectoryAsync(string name, string localPackageDirectory, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        if (!Directory.Exists(localPackageDirectory))
        {
            throw new InvalidRequestException($"The package folder '{localPackageDirectory}' does not exist.", ProblemTypes.SourceNotFound);
        }

        if (File.Exists(Path.Combine(localPackageDirectory, PackageFiles.Manifest)))
        {
            return await PublishPackageAsync(name, ModelPackage.Open(localPackageDirectory), runId: null, cancellationToken);
        }

        var copy = Directory.CreateTempSubdirectory("serverless-publish-").FullName;
        try
        {
            PackageFolders.Copy(localPackageDirectory, copy);
            await AddVariantsAsync(name, copy, lineage: null, cancellationToken);
            return await PublishPackageAsync(name, ModelPackage.Open(copy), runId: null, cancellationToken);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>
    /// Publishes a package uploaded to a blob folder ("container/prefix/") as the next version: downloads and validates
    /// it, verifies its manifest or writes one when it has none, then publishes it. With a <paramref name="runId"/>, a
    /// version that run already published is returned, and one it claimed but did not finish is finished.
    /// </summary>
    /// <exception cref="InvalidRequestException">The source is invalid, empty or too large.</exception>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public async Task<PublishedVersion> PublishFromBlobFolderAsync(string name, string source, string? runId, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        if (runId is not null && await FindVersionOfRunAsync(name, runId, cancellationToken) is { Manifest: { } published } found)
        {
            Log.PublishFoundRun(logger, name, found.Version, runId);
            return new PublishedVersion(name, RegistryLayout.VersionText(found.Version), published);
        }

        var (containerName, prefix) = RegistryNames.ParseSource(source);
        var sourceContainer = storage.GetBlobContainerClient(containerName);
        var files = await ListSourceAsync(sourceContainer, prefix, cancellationToken);
        var where = $"{containerName}/{prefix}";

        // Staged in the private cache folder (a name no storage account can have): a full or unwritable disk is a 503 that
        // says where, like a download's.
        PrivateDirectory.Ensure(cacheBase);
        var staging = Path.Combine(cacheBase, ".publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            try
            {
                Directory.CreateDirectory(staging);
                await Parallel.ForEachAsync(files, RegistryBlobs.Transfers(cancellationToken), async (file, token) =>
                    await sourceContainer.GetBlobClient(file.BlobName).DownloadToAsync(PackageFolders.FilePath(staging, file.RelativePath), token));
            }
            catch (Exception ex) when (StorageFailures.IsLocalDiskFailure(ex))
            {
                throw StorageFailures.CacheUnwritable($"The package in '{where}' could not be staged in", cacheBase, ex);
            }

            ModelPackage package;
            try
            {
                if (!File.Exists(Path.Combine(staging, PackageFiles.Manifest)))
                {
                    await AddVariantsAsync(name, staging, new Lineage { Base = $"uploaded from {where}" }, cancellationToken);
                }

                package = ModelPackage.Open(staging);
            }
            catch (InvalidModelPackageException ex)
            {
                throw new InvalidModelPackageException($"The package in '{where}' is not valid: {ex.Message}");
            }

            return await PublishPackageAsync(name, package, runId, cancellationToken);
        }
        finally
        {
            PackageFolders.Delete(staging);
        }
    }

    /// <summary>The files of a source folder, relative to it: there must be some, and not too many or too large.</summary>
    private static async Task<List<(string BlobName, string RelativePath, long Size)>> ListSourceAsync(
        BlobContainerClient sourceContainer, string prefix, CancellationToken cancellationToken)
    {
        var files = new List<(string BlobName, string RelativePath, long Size)>();
        try
        {
            await foreach (var item in sourceContainer.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                var relative = item.Name[prefix.Length..];
                if (relative.Length > 0 && !relative.EndsWith('/') && relative != RegistryLayout.ClaimFile)
                {
                    files.Add((item.Name, relative, item.Properties.ContentLength ?? 0));
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No such container: reported below like an empty folder.
        }

        if (files.Count == 0)
        {
            throw new InvalidRequestException(
                $"No blobs found under '{sourceContainer.Name}/{prefix}': upload the package folder there first (model.onnx or onnx/model.onnx, " +
                "vocab.txt, tokenizer_config.json, tokenizer.json, config.json), then publish it.",
                ProblemTypes.SourceNotFound);
        }

        if (files.Count > MaxSourceFiles || files.Sum(f => f.Size) > MaxSourceBytes)
        {
            throw new InvalidRequestException(
                $"'{sourceContainer.Name}/{prefix}' holds {files.Count} blobs of {files.Sum(f => f.Size)} bytes; a package may have at most " +
                $"{MaxSourceFiles} files and {MaxSourceBytes} bytes: point the source at the package folder itself.",
                ProblemTypes.SourceTooLarge);
        }

        return files;
    }

    /// <summary>
    /// Completes a package folder uploaded without a manifest: the int8 variant (gated by agreement), then every variant's
    /// unpadded graph (held to parity), the manifest written last.
    /// </summary>
    private async Task AddVariantsAsync(string name, string directory, Lineage? lineage, CancellationToken cancellationToken)
    {
        var manifest = await Int8Variant.AddByAgreementAsync(directory, lineage, NullLoggerFactory.Instance, cancellationToken);
        if (manifest.Variants?.GetValueOrDefault(ModelVariants.Int8) is { } int8)
        {
            Log.Int8VariantGated(logger, name, int8.Dropped is null, int8.Agreement, int8.Dropped ?? int8.Gate);
        }

        manifest = await UnpaddedGraphs.AddAsync(directory, NullLogger.Instance, cancellationToken);
        foreach (var (variant, packed) in manifest.Packed ?? new Dictionary<string, ManifestPackedGraph>())
        {
            Log.UnpaddedGraphChecked(logger, name, variant, packed.Unavailable is null, packed.MaxLogitDifference ?? double.NaN, packed.Unavailable ?? packed.Parity);
        }
    }

    private async Task<PublishedVersion> PublishPackageAsync(string name, ModelPackage package, string? runId, CancellationToken cancellationToken)
    {
        // Before a number is claimed: a graph that cannot load or fails its warm-up run would be a version that never serves.
        await ClassificationEngine.SmokeTestAsync(package, logger, cancellationToken);
        var (directory, manifest) = (package.Directory, package.Manifest);
        await blobs.EnsureContainerAsync(cancellationToken);
        // A run whose earlier attempt claimed a number but stopped before the manifest finishes that same version.
        int version;
        if (runId is not null && await FindVersionOfRunAsync(name, runId, cancellationToken) is { } unfinished)
        {
            // Its files may be partial; without a manifest nobody reads them, and the claim marker stays.
            version = unfinished.Version;
            await DeletePartialVersionAsync(name, version);
        }
        else
        {
            version = await ClaimVersionAsync(name, runId, cancellationToken);
        }

        try
        {
            await Parallel.ForEachAsync(manifest.Files.Keys, RegistryBlobs.Transfers(cancellationToken), async (file, token) =>
                await UploadFileAsync(blobs.VersionFile(name, version, file), Path.Combine(directory, file), token));

            // Last: only now does the version exist for readers.
            await UploadFileAsync(blobs.Manifest(name, version), Path.Combine(directory, PackageFiles.Manifest), cancellationToken);
        }
        catch (Exception ex)
        {
            Log.PublishFailed(logger, name, version, ex.Message);
            await DeletePartialVersionAsync(name, version);
            throw;
        }

        Log.Published(logger, name, version, manifest.Files.Count, manifest.Files.Values.Sum(f => f.Size));
        return new PublishedVersion(name, RegistryLayout.VersionText(version), manifest);
    }

    /// <summary>The version a run claimed (newest first), with its manifest once published; null when it claimed none.</summary>
    private async Task<(int Version, Manifest? Manifest)?> FindVersionOfRunAsync(string name, string runId, CancellationToken cancellationToken)
    {
        foreach (var version in (await blobs.ScanAsync(name, cancellationToken)).Claimed.Reverse())
        {
            VersionClaim? claim;
            try
            {
                claim = (await blobs.Claim(name, version).DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<VersionClaim>();
            }
            catch (Exception ex) when (ex is JsonException or RequestFailedException { Status: 404 })
            {
                continue;
            }

            if (claim?.RunId == runId)
            {
                return (version, (await blobs.ReadManifestAsync(name, version, cancellationToken))?.Manifest);
            }
        }

        return null;
    }

    private async Task<int> ClaimVersionAsync(string name, string? runId, CancellationToken cancellationToken)
    {
        var scan = await blobs.ScanAsync(name, cancellationToken);
        var candidate = scan.Claimed.Count == 0 ? 1 : scan.Claimed.Max + 1;
        for (var attempt = 1; ; attempt++, candidate++)
        {
            try
            {
                await blobs.Claim(name, candidate).UploadAsync(
                    BinaryData.FromObjectAsJson(new VersionClaim(DateTimeOffset.UtcNow, Environment.MachineName, runId)),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                    cancellationToken);
                return candidate;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxClaimAttempts)
            {
                // Another publisher took this number first; the next one up is free unless it was also taken.
                Log.VersionTaken(logger, name, candidate);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                throw new ConflictException($"Could not claim a version number for model '{name}' in {MaxClaimAttempts} attempts: retry the publish.");
            }
        }
    }

    private async Task DeletePartialVersionAsync(string name, int version)
    {
        // Best effort, without the caller's token: a failed or cancelled publish should not leave files behind. The claim
        // marker stays so the number is never handed out twice; without a manifest the version is invisible anyway.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            foreach (var blobName in await blobs.ListVersionAsync(name, version, timeout.Token))
            {
                if (!RegistryLayout.IsClaim(blobName))
                {
                    await blobs.Blob(blobName).DeleteIfExistsAsync(cancellationToken: timeout.Token);
                }
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            Log.CleanupFailed(logger, name, version, ex.Message);
        }
    }

    private static Task UploadFileAsync(BlobClient blob, string path, CancellationToken cancellationToken) =>
        blob.UploadAsync(path, new BlobUploadOptions
        {
            // Versions are immutable: never overwrite a blob, even one a broken earlier attempt left behind.
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypeOf(path) },
        }, cancellationToken);

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".txt" => "text/plain; charset=utf-8",
        ".md" => "text/markdown; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    /// <summary>The claim marker of a version number: when, by which host, and for which training run (if any).</summary>
    private sealed record VersionClaim(
        [property: JsonPropertyName("claimedAt")] DateTimeOffset ClaimedAt,
        [property: JsonPropertyName("host")] string Host,
        [property: JsonPropertyName("runId")] string? RunId);
}
