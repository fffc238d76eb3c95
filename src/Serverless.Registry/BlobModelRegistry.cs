using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// The versioned model registry in blob storage: <c>{container}/{name}/{version}/…</c> with manifest.json written last,
/// and <c>{container}/{name}/aliases.json</c> changed only under an ETag condition. Versions are positive integers claimed
/// atomically (a marker blob created with If-None-Match: *), so concurrent publishers never share or overwrite one. Only
/// versions whose manifest exists are listed, and a download is served only after every file matched the manifest.
/// Thread-safe; one instance per process.
/// </summary>
public sealed class BlobModelRegistry(BlobServiceClient blobs, IOptions<RegistryOptions> options, ILogger<BlobModelRegistry> logger)
{
    private const string AliasesFile = "aliases.json";
    private const string ClaimFile = ".claimed";
    private const int MaxAliasAttempts = 10;
    private const int MaxClaimAttempts = 64;
    private const int MaxSourceFiles = 1000;
    private const long MaxSourceBytes = 8L << 30;
    private const int TransferConcurrency = 4;
    private static readonly TimeSpan s_staleDownload = TimeSpan.FromHours(1);
    private static readonly IReadOnlyDictionary<string, string> s_noAliases = new Dictionary<string, string>();

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(options.Value.Container);
    private readonly string _cacheBase = string.IsNullOrWhiteSpace(options.Value.CacheDirectory)
        ? PrivateDirectory.DefaultCacheRoot()
        : Path.GetFullPath(options.Value.CacheDirectory);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _downloadLocks = new(StringComparer.Ordinal);
    private volatile bool _containerExists;

    private string CacheRoot => Path.Combine(_cacheBase, blobs.AccountName, options.Value.Container);

    /// <summary>Lists every model with at least one published version, by name.</summary>
    public Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var scans = new SortedDictionary<string, ModelScan>(StringComparer.Ordinal);
        foreach (var blobName in await ListNamesAsync(_container, "", cancellationToken))
        {
            var slash = blobName.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && ModelNames.IsValid(blobName[..slash]))
            {
                var name = blobName[..slash];
                if (!scans.TryGetValue(name, out var scan))
                {
                    scans[name] = scan = new ModelScan();
                }

                scan.Add(blobName[(slash + 1)..]);
            }
        }

        var models = new List<ModelSummary>();
        foreach (var (name, scan) in scans.Where(s => s.Value.Published.Count > 0))
        {
            var aliases = scan.HasAliases ? (await ReadAliasesAsync(name, cancellationToken))!.Aliases : s_noAliases;
            models.Add(new ModelSummary(name, [.. scan.Published.Select(Text)], aliases));
        }

        return (IReadOnlyList<ModelSummary>)models;
    }, cancellationToken);

    /// <summary>One model: every published version with its manifest (metrics, lineage, files), and its aliases.</summary>
    /// <exception cref="ModelNotFoundException">The model has no published version.</exception>
    public Task<ModelDetails> GetModelAsync(string name, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        var scan = await ScanAsync(name, cancellationToken);
        if (scan.Published.Count == 0)
        {
            throw UnknownModel(name);
        }

        var versions = await Task.WhenAll(scan.Published.Select(v => ReadVersionDetailsAsync(name, v, cancellationToken)));
        var aliases = scan.HasAliases ? (await ReadAliasesAsync(name, cancellationToken))!.Aliases : s_noAliases;
        return new ModelDetails(name, [.. versions.OfType<ModelVersionDetails>()], aliases);
    }, cancellationToken);

    /// <summary>The aliases of a model and the ETag of aliases.json (empty, with a null ETag, when there is none).</summary>
    public Task<ModelAliases> GetAliasesAsync(string name, CancellationToken cancellationToken) => GuardAsync(
        async () => (await ReadAliasesAsync(ModelNames.Validate(name), cancellationToken))!, cancellationToken);

    /// <summary>
    /// A conditional read of aliases.json (If-None-Match with <paramref name="knownETag"/>): null when it has not changed
    /// since, else the current aliases. Cheap enough to poll.
    /// </summary>
    public Task<ModelAliases?> GetAliasesIfChangedAsync(string name, string? knownETag, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        var current = await ReadAliasesAsync(name, cancellationToken, knownETag);
        return current is null || current.ETag == knownETag ? null : current;
    }, cancellationToken);

    /// <summary>
    /// Points an alias at a published version, under an ETag condition on aliases.json; a lost race is retried on the
    /// fresh content a few times before <see cref="ConflictException"/>.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The version does not exist or has no manifest.</exception>
    public Task SetAliasAsync(string name, string alias, string version, CancellationToken cancellationToken) =>
        SetAliasAsync(name, alias, version, precondition: null, cancellationToken);

    /// <summary>
    /// Points an alias at a published version only while the alias still points where <paramref name="precondition"/>
    /// says (checked on the same aliases.json content the ETag-conditioned write replaces, so nobody can move it in
    /// between); null sets it unconditionally.
    /// </summary>
    /// <returns>True when the alias points at <paramref name="version"/>; false when it had moved (nothing written).</returns>
    /// <exception cref="ModelNotFoundException">The version does not exist or has no manifest.</exception>
    public Task<bool> SetAliasAsync(string name, string alias, string version, AliasPrecondition? precondition, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        RegistryNames.ValidateAlias(alias);
        var number = RegistryNames.ParseVersion(version);
        _ = await ReadManifestAsync(name, number, cancellationToken) ?? throw UnknownVersion(name, number);

        for (var attempt = 1; ; attempt++)
        {
            var current = (await ReadAliasesAsync(name, cancellationToken))!;
            if (current.Aliases.TryGetValue(alias, out var existing) && existing == Text(number))
            {
                return true;
            }

            if (precondition is not null && existing != precondition.Version)
            {
                Log.AliasMoved(logger, name, alias, precondition.Version, existing);
                return false;
            }

            var updated = new SortedDictionary<string, string>(current.Aliases.ToDictionary(), StringComparer.Ordinal) { [alias] = Text(number) };
            var conditions = current.ETag is { } etag
                ? new BlobRequestConditions { IfMatch = new ETag(etag) }
                : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                await ModelBlob(name, AliasesFile).UploadAsync(
                    BinaryData.FromObjectAsJson(updated, PackageJson.Options),
                    new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                    cancellationToken);
                Log.AliasSet(logger, name, alias, number, existing);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                if (attempt == MaxAliasAttempts)
                {
                    throw new ConflictException(
                        $"aliases.json of model '{name}' kept changing during {MaxAliasAttempts} attempts to set '{alias}': retry the request.");
                }

                Log.AliasConflict(logger, name, alias, attempt);
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }, cancellationToken);

    /// <summary>Resolves a version number or an alias to a published version.</summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    public Task<string> ResolveVersionAsync(string name, string versionOrAlias, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        if (RegistryNames.LooksLikeVersion(versionOrAlias))
        {
            var number = RegistryNames.ParseVersion(versionOrAlias);
            return await ManifestBlob(name, number).ExistsAsync(cancellationToken)
                ? Text(number)
                : throw ((await ScanAsync(name, cancellationToken)).Published.Count == 0 ? UnknownModel(name) : UnknownVersion(name, number));
        }

        RegistryNames.ValidateAlias(versionOrAlias);
        var aliases = (await ReadAliasesAsync(name, cancellationToken))!.Aliases;
        if (aliases.TryGetValue(versionOrAlias, out var version))
        {
            return version;
        }

        throw (await ScanAsync(name, cancellationToken)).Published.Count == 0
            ? UnknownModel(name)
            : new ModelNotFoundException(aliases.Count == 0
                ? $"Model '{name}' has no alias '{versionOrAlias}' (it has none yet): give a version number, or set the alias with PUT /api/models/{name}/aliases/{versionOrAlias}."
                : $"Model '{name}' has no alias '{versionOrAlias}' (its aliases: {string.Join(", ", aliases.Keys)}): give a version number or one of those aliases.");
    }, cancellationToken);

    /// <summary>
    /// Publishes a package folder on local disk as the next version. A folder with a manifest must match it; one without
    /// gets a manifest computed from its files (on a temporary copy). Files are uploaded first, manifest.json last.
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public Task<PublishedVersion> PublishDirectoryAsync(string name, string localPackageDirectory, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        if (!Directory.Exists(localPackageDirectory))
        {
            throw new InvalidRequestException($"The package folder '{localPackageDirectory}' does not exist.", ProblemTypes.SourceNotFound);
        }

        if (File.Exists(Path.Combine(localPackageDirectory, PackageFiles.Manifest)))
        {
            return await PublishPackageAsync(name, ModelPackage.Open(localPackageDirectory), cancellationToken);
        }

        var copy = Directory.CreateTempSubdirectory("serverless-publish-").FullName;
        try
        {
            CopyDirectory(localPackageDirectory, copy);
            await AddVariantsAsync(name, copy, lineage: null, cancellationToken);
            return await PublishPackageAsync(name, ModelPackage.Open(copy), cancellationToken);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }, cancellationToken);

    /// <summary>
    /// Publishes a package uploaded to a blob folder ("container/prefix/", e.g. a Hugging Face export) as the next version:
    /// downloads and validates it, verifies its manifest or writes one when it has none, then publishes it.
    /// </summary>
    /// <exception cref="InvalidRequestException">The source is invalid, empty or too large.</exception>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public Task<PublishedVersion> PublishFromBlobFolderAsync(string name, string source, CancellationToken cancellationToken) =>
        PublishFromBlobFolderAsync(name, source, runId: null, cancellationToken);

    /// <summary>
    /// Publishes a blob folder as the next version on behalf of a training run. The run id is part of the version claim, so
    /// a retried publish of the same run finds its version (finishing it when an earlier attempt stopped half-way) and
    /// never makes a second one.
    /// </summary>
    /// <exception cref="InvalidRequestException">The source is invalid, empty or too large.</exception>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public Task<PublishedVersion> PublishFromBlobFolderAsync(string name, string source, string? runId, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        if (runId is not null && await FindVersionOfRunAsync(name, runId, cancellationToken) is { Manifest: { } published } found)
        {
            Log.PublishFoundRun(logger, name, found.Version, runId);
            return new PublishedVersion(name, Text(found.Version), published);
        }

        var (containerName, prefix) = RegistryNames.ParseSource(source);
        var sourceContainer = blobs.GetBlobContainerClient(containerName);
        var files = new List<(string BlobName, string RelativePath, long Size)>();
        try
        {
            await foreach (var item in sourceContainer.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                var relative = item.Name[prefix.Length..];
                if (relative.Length > 0 && !relative.EndsWith('/') && relative != ClaimFile)
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
                $"No blobs found under '{containerName}/{prefix}': upload the package folder there first (model.onnx or onnx/model.onnx, " +
                "vocab.txt, tokenizer_config.json, tokenizer.json, config.json), then publish it.",
                ProblemTypes.SourceNotFound);
        }

        if (files.Count > MaxSourceFiles || files.Sum(f => f.Size) > MaxSourceBytes)
        {
            throw new InvalidRequestException(
                $"'{containerName}/{prefix}' holds {files.Count} blobs of {files.Sum(f => f.Size)} bytes; a package may have at most " +
                $"{MaxSourceFiles} files and {MaxSourceBytes} bytes: point the source at the package folder itself.",
                ProblemTypes.SourceTooLarge);
        }

        // Staged in the private cache folder (a name no storage account can have): a full or unwritable disk is a 503 that
        // says where, like a download's.
        PrivateDirectory.Ensure(_cacheBase);
        var staging = Path.Combine(_cacheBase, ".publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            try
            {
                Directory.CreateDirectory(staging);
                await Parallel.ForEachAsync(files, Transfers(cancellationToken), async (file, token) =>
                    await sourceContainer.GetBlobClient(file.BlobName).DownloadToAsync(LocalPath(staging, file.RelativePath), token));
            }
            catch (Exception ex) when (IsLocalFileSystemFailure(ex))
            {
                throw ServiceUnavailableException.Cache(
                    $"The package in '{containerName}/{prefix}' could not be staged in the local model cache '{_cacheBase}' ({ex.Message}): free disk " +
                    "space there, or set Registry:CacheDirectory to a folder with room that this app may write.", ex);
            }

            ModelPackage package;
            try
            {
                if (!File.Exists(Path.Combine(staging, PackageFiles.Manifest)))
                {
                    await AddVariantsAsync(name, staging, new Lineage { Base = $"uploaded from {containerName}/{prefix}" }, cancellationToken);
                }

                package = ModelPackage.Open(staging);
            }
            catch (InvalidModelPackageException ex)
            {
                throw new InvalidModelPackageException($"The package in '{containerName}/{prefix}' is not valid: {ex.Message}");
            }

            return await PublishPackageAsync(name, package, cancellationToken, runId);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }, cancellationToken);

    /// <summary>
    /// Downloads a version into the local cache (keyed by account, container, name and version), verifies every file
    /// against the manifest, and moves it into place atomically; a cached copy whose manifest still matches storage is
    /// reused. While storage is unreachable, a verified cached copy is used as is.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The version does not exist or has no manifest.</exception>
    /// <exception cref="InvalidModelPackageException">The version does not match its manifest (nothing is cached then).</exception>
    /// <exception cref="ServiceUnavailableException">
    /// Storage cannot be reached, or the local cache cannot be written (disk full, unwritable, or not private: slug
    /// model-cache-unavailable).
    /// </exception>
    public Task<ModelPackage> DownloadAsync(string name, string version, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ModelNames.Validate(name);
        var number = RegistryNames.ParseVersion(version);
        PrivateDirectory.Ensure(_cacheBase);
        var target = Path.Combine(CacheRoot, name, Text(number));
        var gate = _downloadLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await DownloadIntoCacheAsync(name, number, target, cancellationToken);
        }
        catch (Exception ex) when (IsLocalFileSystemFailure(ex))
        {
            Log.CacheUnwritable(logger, name, number, target, ex.Message);
            throw ServiceUnavailableException.Cache(
                $"Model '{name}' version {number} could not be written to the local model cache '{_cacheBase}' ({ex.Message}): free disk " +
                "space there, or set Registry:CacheDirectory to a folder with room that this app may write.", ex);
        }
        finally
        {
            gate.Release();
        }
    }, cancellationToken);

    /// <summary>
    /// Removes a version's files from the local cache (under the same lock as its download), e.g. once the engine that
    /// was loaded from them is unloaded. A failure is logged, never thrown: the files are reused or replaced later.
    /// </summary>
    public async Task RemoveFromCacheAsync(string name, string version)
    {
        ModelNames.Validate(name);
        var target = Path.Combine(CacheRoot, name, Text(RegistryNames.ParseVersion(version)));
        var gate = _downloadLocks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            DeleteDirectory(target);
            Log.RemovedFromCache(logger, name, version);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheRemovalFailed(logger, name, version, ex.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A failure of the local disk (full, unwritable, missing folder), as opposed to one of the network.</summary>
    private static bool IsLocalFileSystemFailure(Exception exception) => exception switch
    {
        UnauthorizedAccessException => true,
        HttpIOException => false,
        IOException io => io.InnerException is not (System.Net.Sockets.SocketException or HttpRequestException or IOException),
        AggregateException { InnerExceptions.Count: > 0 } aggregate => aggregate.InnerExceptions.All(IsLocalFileSystemFailure),
        _ => false,
    };

    private async Task<ModelPackage> DownloadIntoCacheAsync(string name, int version, string target, CancellationToken cancellationToken)
    {
        (Manifest Manifest, BinaryData Content)? remote;
        try
        {
            remote = await ReadManifestAsync(name, version, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex, cancellationToken) && TryOpenCached(target) is { } cached)
        {
            Log.ServingCachedDuringOutage(logger, name, version, ex.Message);
            return cached;
        }

        if (remote is not { } found)
        {
            DeleteDirectory(target);
            throw UnknownVersion(name, version);
        }

        var cachedManifest = Path.Combine(target, PackageFiles.Manifest);
        if (File.Exists(cachedManifest) && File.ReadAllBytes(cachedManifest).AsSpan().SequenceEqual(found.Content.ToMemory().Span) &&
            TryOpenCached(target) is { } reused)
        {
            Log.CacheHit(logger, name, version);
            return reused;
        }

        DeleteDirectory(target);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        DeleteStaleDownloads(parent, version);
        var staging = Path.Combine(parent, $".{version}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(found.Manifest.Files.Keys, Transfers(cancellationToken), async (file, token) =>
            {
                var path = LocalPath(staging, file);
                try
                {
                    await VersionBlob(name, version, file).DownloadToAsync(path, token);
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    throw new InvalidModelPackageException($"{file} is listed in manifest.json but missing from storage.");
                }
            });
            await File.WriteAllBytesAsync(Path.Combine(staging, PackageFiles.Manifest), found.Content.ToArray(), cancellationToken);
            ModelPackage.Open(staging);
            Directory.Move(staging, target);
            Log.Downloaded(logger, name, version, found.Manifest.Files.Values.Sum(f => f.Size), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (InvalidModelPackageException ex)
        {
            DeleteDirectory(staging);
            Log.VerificationFailed(logger, name, version, ex.Message);
            throw new InvalidModelPackageException($"Version {version} of model '{name}' failed verification and will not be served: {ex.Message}");
        }
        catch
        {
            DeleteDirectory(staging);
            throw;
        }

        return ModelPackage.Open(target);
    }

    private ModelPackage? TryOpenCached(string target)
    {
        if (!File.Exists(Path.Combine(target, PackageFiles.Manifest)))
        {
            return null;
        }

        try
        {
            return ModelPackage.Open(target);
        }
        catch (InvalidModelPackageException ex)
        {
            Log.CachedCopyInvalid(logger, target, ex.Message);
            DeleteDirectory(target);
            return null;
        }
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

    private async Task<PublishedVersion> PublishPackageAsync(string name, ModelPackage package, CancellationToken cancellationToken, string? runId = null)
    {
        // Before a number is claimed: a graph that cannot load or fails its warm-up run would be a version that never serves.
        await ClassificationEngine.SmokeTestAsync(package, logger, cancellationToken);
        var (directory, manifest) = (package.Directory, package.Manifest);
        await EnsureContainerAsync(cancellationToken);
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
            await Parallel.ForEachAsync(manifest.Files.Keys, Transfers(cancellationToken), async (file, token) =>
                await UploadFileAsync(VersionBlob(name, version, file), Path.Combine(directory, file), token));

            // Last: only now does the version exist for readers.
            await UploadFileAsync(ManifestBlob(name, version), Path.Combine(directory, PackageFiles.Manifest), cancellationToken);
        }
        catch (Exception ex)
        {
            Log.PublishFailed(logger, name, version, ex.Message);
            await DeletePartialVersionAsync(name, version);
            throw;
        }

        Log.Published(logger, name, version, manifest.Files.Count, manifest.Files.Values.Sum(f => f.Size));
        return new PublishedVersion(name, Text(version), manifest);
    }

    /// <summary>The version a run claimed (newest first), with its manifest once published; null when it claimed none.</summary>
    private async Task<(int Version, Manifest? Manifest)?> FindVersionOfRunAsync(string name, string runId, CancellationToken cancellationToken)
    {
        foreach (var version in (await ScanAsync(name, cancellationToken)).Claimed.Reverse())
        {
            VersionClaim? claim;
            try
            {
                claim = (await VersionBlob(name, version, ClaimFile).DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<VersionClaim>();
            }
            catch (Exception ex) when (ex is JsonException or RequestFailedException { Status: 404 })
            {
                continue;
            }

            if (claim?.RunId == runId)
            {
                return (version, (await ReadManifestAsync(name, version, cancellationToken))?.Manifest);
            }
        }

        return null;
    }

    private async Task<int> ClaimVersionAsync(string name, string? runId, CancellationToken cancellationToken)
    {
        var scan = await ScanAsync(name, cancellationToken);
        var candidate = scan.Claimed.Count == 0 ? 1 : scan.Claimed.Max + 1;
        for (var attempt = 1; ; attempt++, candidate++)
        {
            try
            {
                await VersionBlob(name, candidate, ClaimFile).UploadAsync(
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
            foreach (var blobName in await ListNamesAsync(_container, $"{name}/{Text(version)}/", timeout.Token))
            {
                if (!blobName.EndsWith("/" + ClaimFile, StringComparison.Ordinal))
                {
                    await _container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: timeout.Token);
                }
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            Log.CleanupFailed(logger, name, version, ex.Message);
        }
    }

    private async Task<ModelVersionDetails?> ReadVersionDetailsAsync(string name, int version, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadManifestAsync(name, version, cancellationToken) is { } found
                ? new ModelVersionDetails(Text(version), found.Manifest.CreatedAt, found.Manifest.Metrics, found.Manifest.Lineage, found.Manifest.Files,
                    found.Manifest.Variants)
                : null;
        }
        catch (InvalidModelPackageException ex)
        {
            Log.ManifestUnreadable(logger, name, version, ex.Message);
            return null;
        }
    }

    private async Task<(Manifest Manifest, BinaryData Content)?> ReadManifestAsync(string name, int version, CancellationToken cancellationToken)
    {
        BinaryData content;
        try
        {
            content = (await ManifestBlob(name, version).DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        try
        {
            var manifest = content.ToObjectFromJson<Manifest>(PackageJson.Options);
            return manifest?.Files is { Count: > 0 }
                ? (manifest, content)
                : throw new InvalidModelPackageException($"manifest.json of version {version} of model '{name}' lists no files.");
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException($"manifest.json of version {version} of model '{name}' is not valid: {ex.Message}");
        }
    }

    /// <summary>Reads aliases.json; with <paramref name="ifNoneMatch"/>, null when it still has that ETag.</summary>
    private async Task<ModelAliases?> ReadAliasesAsync(string name, CancellationToken cancellationToken, string? ifNoneMatch = null)
    {
        BlobDownloadResult result;
        try
        {
            var conditions = ifNoneMatch is null ? null : new BlobRequestConditions { IfNoneMatch = new ETag(ifNoneMatch) };
            var response = await ModelBlob(name, AliasesFile).DownloadContentAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken);
            if (response.GetRawResponse().Status == 304)
            {
                return null;
            }

            result = response.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new ModelAliases(s_noAliases, null);
        }

        try
        {
            var aliases = result.Content.ToObjectFromJson<Dictionary<string, string>>() ?? [];
            return new ModelAliases(
                aliases.Where(a => ModelNames.IsValid(a.Key) && RegistryNames.TryParseVersion(a.Value, out _))
                    .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
                result.Details.ETag.ToString());
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException(
                $"aliases.json of model '{name}' is not a JSON object of alias → version ({ex.Message}): fix or delete it, then set the aliases again.");
        }
    }

    private async Task<ModelScan> ScanAsync(string name, CancellationToken cancellationToken)
    {
        var scan = new ModelScan();
        foreach (var blobName in await ListNamesAsync(_container, name + "/", cancellationToken))
        {
            scan.Add(blobName[(name.Length + 1)..]);
        }

        return scan;
    }

    private static async Task<List<string>> ListNamesAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                names.Add(item.Name);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The container does not exist yet: nothing has been published.
        }

        return names;
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerExists)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerExists = true;
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

    private async Task<T> GuardAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation();
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex, cancellationToken))
        {
            Log.StorageUnavailable(logger, _container.Uri, ex);
            throw StorageFailures.Unavailable(ex, _container.Name);
        }
    }

    private static ParallelOptions Transfers(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = TransferConcurrency, CancellationToken = cancellationToken };

    /// <summary>The local path of a package file (<see cref="LocalFolderPath"/>), its folder created.</summary>
    /// <exception cref="InvalidModelPackageException">The path would not be a plain file inside the folder.</exception>
    private static string LocalPath(string root, string relativePath)
    {
        string path;
        try
        {
            path = LocalFolderPath.Resolve(root, relativePath);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidModelPackageException($"The package lists an invalid file path: {ex.Message}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, LocalPath(destination, Path.GetRelativePath(source, file).Replace(Path.DirectorySeparatorChar, '/')));
        }
    }

    private void DeleteStaleDownloads(string parent, int version)
    {
        foreach (var stale in Directory.EnumerateDirectories(parent, $".{version}.*.tmp"))
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(stale) > s_staleDownload)
            {
                DeleteDirectory(stale);
            }
        }
    }

    private static void DeleteDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50 * Math.Min(attempt, 6)));

    private BlobClient ModelBlob(string name, string file) => _container.GetBlobClient($"{name}/{file}");

    private BlobClient VersionBlob(string name, int version, string file) => _container.GetBlobClient($"{name}/{Text(version)}/{file}");

    private BlobClient ManifestBlob(string name, int version) => VersionBlob(name, version, PackageFiles.Manifest);

    private static string Text(int version) => version.ToString(CultureInfo.InvariantCulture);

    private static ModelNotFoundException UnknownModel(string name) =>
        new($"Model '{name}' does not exist or has no published version: publish one with POST /api/models/{name}/versions.");

    private static ModelNotFoundException UnknownVersion(string name, int version) =>
        new($"Model '{name}' has no published version {version}: GET /api/models/{name} lists its versions.");

    /// <summary>What a listing of one model's blobs says: claimed and published versions, and whether aliases exist.</summary>
    /// <summary>The claim marker of a version number: when, by which host, and for which training run (if any).</summary>
    private sealed record VersionClaim(
        [property: System.Text.Json.Serialization.JsonPropertyName("claimedAt")] DateTimeOffset ClaimedAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("host")] string Host,
        [property: System.Text.Json.Serialization.JsonPropertyName("runId")] string? RunId);

    private sealed class ModelScan
    {
        public SortedSet<int> Claimed { get; } = [];

        public SortedSet<int> Published { get; } = [];

        public bool HasAliases { get; private set; }

        public void Add(string relativeName)
        {
            if (relativeName == AliasesFile)
            {
                HasAliases = true;
                return;
            }

            var slash = relativeName.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && RegistryNames.TryParseVersion(relativeName[..slash], out var version))
            {
                Claimed.Add(version);
                if (relativeName[(slash + 1)..] == PackageFiles.Manifest)
                {
                    Published.Add(version);
                }
            }
        }
    }
}
