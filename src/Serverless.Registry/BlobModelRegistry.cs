using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// The versioned model registry in blob storage: <c>{container}/{name}/{version}/…</c> with manifest.json written last,
/// and <c>{container}/{name}/aliases.json</c> changed only under an ETag condition. Versions are positive integers claimed
/// atomically (a marker blob created with If-None-Match: *), so concurrent publishers never share or overwrite one. Only
/// versions whose manifest exists are listed, and a download is served only after every file matched the manifest.
/// Composes the catalog, the aliases, the publisher and the verified local cache over one container; a storage outage
/// in any operation is a <see cref="ServiceUnavailableException"/> (storage-unavailable). Thread-safe; one instance per process.
/// </summary>
public sealed class BlobModelRegistry
{
    private readonly RegistryBlobs _blobs;
    private readonly AliasStore _aliases;
    private readonly ModelCatalog _catalog;
    private readonly ModelPublisher _publisher;
    private readonly VerifiedPackageCache _cache;
    private readonly ILogger _logger;

    /// <summary>Creates the registry over the container <see cref="RegistryOptions.Container"/> of <paramref name="blobs"/>.</summary>
    public BlobModelRegistry(BlobServiceClient blobs, IOptions<RegistryOptions> options, ILogger<BlobModelRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var cacheBase = string.IsNullOrWhiteSpace(options.Value.CacheDirectory)
            ? PrivateDirectory.DefaultCacheRoot()
            : Path.GetFullPath(options.Value.CacheDirectory);
        _logger = logger;
        _blobs = new RegistryBlobs(blobs.GetBlobContainerClient(options.Value.Container));
        _aliases = new AliasStore(_blobs, logger);
        _catalog = new ModelCatalog(_blobs, _aliases, logger);
        _publisher = new ModelPublisher(blobs, _blobs, cacheBase, logger);
        _cache = new VerifiedPackageCache(_blobs, cacheBase, blobs.AccountName, logger);
    }

    /// <summary>Lists every model with at least one published version, by name.</summary>
    public Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken) =>
        WithStorage(_catalog.ListModelsAsync(cancellationToken), cancellationToken);

    /// <summary>One model: every published version with its manifest (metrics, lineage, files), and its aliases.</summary>
    /// <exception cref="ModelNotFoundException">The model has no published version.</exception>
    public Task<ModelDetails> GetModelAsync(string name, CancellationToken cancellationToken) =>
        WithStorage(_catalog.GetModelAsync(name, cancellationToken), cancellationToken);

    /// <summary>The aliases of a model and the ETag of aliases.json (empty, with a null ETag, when there is none).</summary>
    public Task<ModelAliases> GetAliasesAsync(string name, CancellationToken cancellationToken) =>
        WithStorage(_aliases.ReadAsync(name, cancellationToken), cancellationToken);

    /// <summary>
    /// A conditional read of aliases.json (If-None-Match with <paramref name="knownETag"/>): null when it has not changed
    /// since, else the current aliases. Cheap enough to poll.
    /// </summary>
    public Task<ModelAliases?> GetAliasesIfChangedAsync(string name, string? knownETag, CancellationToken cancellationToken) =>
        WithStorage(_aliases.ReadIfChangedAsync(name, knownETag, cancellationToken), cancellationToken);

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
    public Task<bool> SetAliasAsync(string name, string alias, string version, AliasPrecondition? precondition, CancellationToken cancellationToken) =>
        WithStorage(_aliases.SetAsync(name, alias, version, precondition, cancellationToken), cancellationToken);

    /// <summary>Resolves a version number or an alias to a published version.</summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    public Task<string> ResolveVersionAsync(string name, string versionOrAlias, CancellationToken cancellationToken) =>
        WithStorage(_catalog.ResolveVersionAsync(name, versionOrAlias, cancellationToken), cancellationToken);

    /// <summary>
    /// Publishes a package folder on local disk as the next version. A folder with a manifest must match it; one without
    /// gets a manifest computed from its files (on a temporary copy). Files are uploaded first, manifest.json last.
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public Task<PublishedVersion> PublishDirectoryAsync(string name, string localPackageDirectory, CancellationToken cancellationToken) =>
        WithStorage(_publisher.PublishDirectoryAsync(name, localPackageDirectory, cancellationToken), cancellationToken);

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
    public Task<PublishedVersion> PublishFromBlobFolderAsync(string name, string source, string? runId, CancellationToken cancellationToken) =>
        WithStorage(_publisher.PublishFromBlobFolderAsync(name, source, runId, cancellationToken), cancellationToken);

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
    public Task<ModelPackage> DownloadAsync(string name, string version, CancellationToken cancellationToken) =>
        WithStorage(_cache.DownloadAsync(name, version, cancellationToken), cancellationToken);

    /// <summary>
    /// Removes a version's files from the local cache (under the same lock as its download), e.g. once the engine that
    /// was loaded from them is unloaded. A failure is logged, never thrown: the files are reused or replaced later.
    /// </summary>
    public Task RemoveFromCacheAsync(string name, string version) => _cache.RemoveAsync(name, version);

    // Every operation that reaches storage ends here, so an outage anywhere in it is the one 503 that names the container.
    private Task<T> WithStorage<T>(Task<T> operation, CancellationToken cancellationToken) =>
        StorageFailures.ThrowOutagesAsUnavailableAsync(operation, _blobs.Container, _logger, cancellationToken);
}
