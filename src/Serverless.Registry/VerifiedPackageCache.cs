using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Microsoft.Extensions.Logging;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// Versions downloaded into a private local folder, keyed by account, container, name and version
/// (<c>{cache}/{account}/{container}/{name}/{version}/</c>). A version is downloaded into a staging folder, every file
/// verified against its manifest, and moved into place atomically; a cached copy whose manifest still matches storage is
/// reused, and while storage is unreachable a cached copy that still verifies is used as is. One download per version at a
/// time. Thread-safe; one instance per registry.
/// </summary>
internal sealed class VerifiedPackageCache(RegistryBlobs blobs, string cacheBase, string accountName, ILogger logger)
{
    // Staging folders older than this were left by downloads that died.
    private static readonly TimeSpan s_staleDownload = TimeSpan.FromHours(1);

    private readonly string _root = Path.Combine(cacheBase, accountName, blobs.Container.Name);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>The verified local copy of a version, downloaded when the cache has none that matches storage.</summary>
    /// <exception cref="ModelNotFoundException">The version does not exist or has no manifest.</exception>
    /// <exception cref="InvalidModelPackageException">The version does not match its manifest (nothing is cached then).</exception>
    /// <exception cref="ServiceUnavailableException">The local cache cannot be written (disk full, unwritable, or not private).</exception>
    public async Task<ModelPackage> DownloadAsync(string name, string version, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        var number = RegistryNames.ParseVersion(version);
        PrivateDirectory.Ensure(cacheBase);
        var target = FolderOf(name, number);
        var gate = _locks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await DownloadIntoAsync(name, number, target, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.IsLocalDiskFailure(ex))
        {
            Log.CacheUnwritable(logger, name, number, target, ex.Message);
            throw StorageFailures.CacheUnwritable($"Model '{name}' version {number} could not be written to", cacheBase, ex);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Removes a version's files (under the same lock as its download). A failure is logged, never thrown: the files are
    /// reused or replaced later.
    /// </summary>
    public async Task RemoveAsync(string name, string version)
    {
        ModelNames.Validate(name);
        var target = FolderOf(name, RegistryNames.ParseVersion(version));
        var gate = _locks.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            PackageFolders.Delete(target);
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

    private string FolderOf(string name, int version) => Path.Combine(_root, name, RegistryLayout.VersionText(version));

    private async Task<ModelPackage> DownloadIntoAsync(string name, int version, string target, CancellationToken cancellationToken)
    {
        (Manifest Manifest, BinaryData Content)? remote;
        try
        {
            remote = await blobs.ReadManifestAsync(name, version, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex, cancellationToken) && TryOpenCached(target) is { } cached)
        {
            Log.ServingCachedDuringOutage(logger, name, version, ex.Message);
            return cached;
        }

        if (remote is not { } found)
        {
            PackageFolders.Delete(target);
            throw RegistryErrors.UnknownVersion(name, version);
        }

        var cachedManifest = Path.Combine(target, PackageFiles.Manifest);
        if (File.Exists(cachedManifest) && File.ReadAllBytes(cachedManifest).AsSpan().SequenceEqual(found.Content.ToMemory().Span) &&
            TryOpenCached(target) is { } reused)
        {
            Log.CacheHit(logger, name, version);
            return reused;
        }

        PackageFolders.Delete(target);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        DeleteStaleDownloads(parent, version);
        var staging = Path.Combine(parent, $".{version}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(found.Manifest.Files.Keys, RegistryBlobs.Transfers(cancellationToken), async (file, token) =>
            {
                var path = PackageFolders.FilePath(staging, file);
                try
                {
                    await blobs.VersionFile(name, version, file).DownloadToAsync(path, token);
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
            PackageFolders.Delete(staging);
            Log.VerificationFailed(logger, name, version, ex.Message);
            throw new InvalidModelPackageException($"Version {version} of model '{name}' failed verification and will not be served: {ex.Message}");
        }
        catch
        {
            PackageFolders.Delete(staging);
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
            PackageFolders.Delete(target);
            return null;
        }
    }

    private static void DeleteStaleDownloads(string parent, int version)
    {
        foreach (var stale in Directory.EnumerateDirectories(parent, $".{version}.*.tmp"))
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(stale) > s_staleDownload)
            {
                PackageFolders.Delete(stale);
            }
        }
    }
}
