using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Serverless.Errors;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// The registry's container: a blob client for each <see cref="RegistryLayout"/> name, listings and scans (a container
/// that does not exist yet reads as empty: nothing has been published), and a version's manifest read and checked. Every
/// part of the registry reaches storage through here. Thread-safe.
/// </summary>
internal sealed class RegistryBlobs(BlobContainerClient container)
{
    // Parallel transfers per download or upload of one package: enough to hide latency, few enough to share a connection pool.
    private const int TransferConcurrency = 4;

    private volatile bool _containerExists;

    /// <summary>The container (its name and URI name it in outage messages and logs).</summary>
    public BlobContainerClient Container => container;

    /// <summary>How many files of one package move at once, and the token that stops them.</summary>
    public static ParallelOptions Transfers(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = TransferConcurrency, CancellationToken = cancellationToken };

    /// <summary>A model's aliases.json.</summary>
    public BlobClient Aliases(string name) => container.GetBlobClient(RegistryLayout.Aliases(name));

    /// <summary>A file of a version.</summary>
    public BlobClient VersionFile(string name, int version, string file) => container.GetBlobClient(RegistryLayout.VersionFile(name, version, file));

    /// <summary>The manifest of a version.</summary>
    public BlobClient Manifest(string name, int version) => container.GetBlobClient(RegistryLayout.Manifest(name, version));

    /// <summary>The claim marker of a version.</summary>
    public BlobClient Claim(string name, int version) => container.GetBlobClient(RegistryLayout.Claim(name, version));

    /// <summary>A blob by its full name, as a listing returned it.</summary>
    public BlobClient Blob(string blobName) => container.GetBlobClient(blobName);

    /// <summary>Creates the container on the first write of this process.</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerExists)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerExists = true;
        }
    }

    /// <summary>What the blobs of one model say (<see cref="RegistryLayout.Scan"/>).</summary>
    public async Task<ModelScan> ScanAsync(string name, CancellationToken cancellationToken)
    {
        var folder = RegistryLayout.ModelFolder(name);
        return RegistryLayout.Scan((await ListAsync(folder, cancellationToken)).Select(blobName => blobName[folder.Length..]));
    }

    /// <summary>What the blobs of every model say, by model name (<see cref="RegistryLayout.ScanAll"/>).</summary>
    public async Task<SortedDictionary<string, ModelScan>> ScanAllAsync(CancellationToken cancellationToken) =>
        RegistryLayout.ScanAll(await ListAsync("", cancellationToken));

    /// <summary>The full names of every blob in a version's folder, its claim marker included.</summary>
    public Task<List<string>> ListVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        ListAsync(RegistryLayout.VersionFolder(name, version), cancellationToken);

    /// <summary>A version's manifest and its exact bytes; null when the version has none (not published).</summary>
    /// <exception cref="InvalidModelPackageException">The manifest is not valid JSON or lists no files.</exception>
    public async Task<(Manifest Manifest, BinaryData Content)?> ReadManifestAsync(string name, int version, CancellationToken cancellationToken)
    {
        BinaryData content;
        try
        {
            content = (await Manifest(name, version).DownloadContentAsync(cancellationToken)).Value.Content;
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

    private async Task<List<string>> ListAsync(string prefix, CancellationToken cancellationToken)
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
}
