using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Serverless.Errors;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// Each model's aliases.json: read (also conditionally, cheap enough to poll) and changed only under an ETag condition
/// on the content the change was computed from, so concurrent writers of different aliases all land and an alias moved
/// with a precondition cannot be moved by someone else in between. An alias points only at a published version.
/// Thread-safe.
/// </summary>
internal sealed class AliasStore(RegistryBlobs blobs, ILogger logger)
{
    private const int MaxAttempts = 10;
    private static readonly IReadOnlyDictionary<string, string> s_none = new Dictionary<string, string>();

    /// <summary>The aliases of a model that has none: empty, with a null ETag.</summary>
    public static ModelAliases None { get; } = new(s_none, null);

    /// <summary>The aliases of a model and the ETag of aliases.json (<see cref="None"/> when there is none).</summary>
    public async Task<ModelAliases> ReadAsync(string name, CancellationToken cancellationToken) =>
        (await ReadAsync(ModelNames.Validate(name), ifNoneMatch: null, cancellationToken))!;

    /// <summary>
    /// A conditional read (If-None-Match with <paramref name="knownETag"/>): null when aliases.json has not changed since,
    /// else the current aliases.
    /// </summary>
    public async Task<ModelAliases?> ReadIfChangedAsync(string name, string? knownETag, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(ModelNames.Validate(name), knownETag, cancellationToken);
        return current is null || current.ETag == knownETag ? null : current;
    }

    /// <summary>
    /// Points an alias at a published version while it still points where <paramref name="precondition"/> says (null:
    /// unconditionally); a lost race is retried on the fresh content a few times before <see cref="ConflictException"/>.
    /// </summary>
    /// <returns>True when the alias points at <paramref name="version"/>; false when it had moved (nothing written).</returns>
    /// <exception cref="ModelNotFoundException">The version does not exist or has no manifest.</exception>
    public async Task<bool> SetAsync(string name, string alias, string version, AliasPrecondition? precondition, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        RegistryNames.ValidateAlias(alias);
        var number = RegistryNames.ParseVersion(version);
        _ = await blobs.ReadManifestAsync(name, number, cancellationToken) ?? throw RegistryErrors.UnknownVersion(name, number);
        var target = RegistryLayout.VersionText(number);

        for (var attempt = 1; ; attempt++)
        {
            var current = (await ReadAsync(name, ifNoneMatch: null, cancellationToken))!;
            if (current.Aliases.TryGetValue(alias, out var existing) && existing == target)
            {
                return true;
            }

            if (precondition is not null && existing != precondition.Version)
            {
                Log.AliasMoved(logger, name, alias, precondition.Version, existing);
                return false;
            }

            var updated = new SortedDictionary<string, string>(current.Aliases.ToDictionary(), StringComparer.Ordinal) { [alias] = target };
            var conditions = current.ETag is { } etag
                ? new BlobRequestConditions { IfMatch = new ETag(etag) }
                : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                await blobs.Aliases(name).UploadAsync(
                    BinaryData.FromObjectAsJson(updated, PackageJson.Options),
                    new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                    cancellationToken);
                Log.AliasSet(logger, name, alias, number, existing);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                if (attempt == MaxAttempts)
                {
                    throw new ConflictException(
                        $"aliases.json of model '{name}' kept changing during {MaxAttempts} attempts to set '{alias}': retry the request.");
                }

                Log.AliasConflict(logger, name, alias, attempt);
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50 * Math.Min(attempt, 6)));

    /// <summary>Reads aliases.json; with <paramref name="ifNoneMatch"/>, null when it still has that ETag.</summary>
    private async Task<ModelAliases?> ReadAsync(string name, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        BlobDownloadResult result;
        try
        {
            var conditions = ifNoneMatch is null ? null : new BlobRequestConditions { IfNoneMatch = new ETag(ifNoneMatch) };
            var response = await blobs.Aliases(name).DownloadContentAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken);
            if (response.GetRawResponse().Status == 304)
            {
                return null;
            }

            result = response.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return None;
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
}
