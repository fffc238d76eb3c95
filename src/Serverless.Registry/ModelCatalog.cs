using Microsoft.Extensions.Logging;
using Serverless.Errors;
using Serverless.Options;

namespace Serverless.Registry;

/// <summary>
/// What the registry holds, read from storage: the models with a published version, one model's versions with their
/// manifests, and a version number or alias resolved to a published version. Only versions whose manifest exists are
/// seen; one whose manifest cannot be read is left out of a listing (and logged). Thread-safe.
/// </summary>
internal sealed class ModelCatalog(RegistryBlobs blobs, AliasStore aliases, ILogger logger)
{
    /// <summary>Every model with at least one published version, by name.</summary>
    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var models = new List<ModelSummary>();
        foreach (var (name, scan) in await blobs.ScanAllAsync(cancellationToken))
        {
            if (scan.Published.Count > 0)
            {
                var versions = scan.Published.Select(RegistryLayout.VersionText).ToList();
                models.Add(new ModelSummary(name, versions, await AliasesOfAsync(name, scan, cancellationToken)));
            }
        }

        return models;
    }

    /// <summary>One model: every published version with its manifest, and its aliases.</summary>
    /// <exception cref="ModelNotFoundException">The model has no published version.</exception>
    public async Task<ModelDetails> GetModelAsync(string name, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        var scan = await blobs.ScanAsync(name, cancellationToken);
        if (scan.Published.Count == 0)
        {
            throw RegistryErrors.UnknownModel(name);
        }

        var versions = await Task.WhenAll(scan.Published.Select(v => ReadVersionDetailsAsync(name, v, cancellationToken)));
        return new ModelDetails(name, [.. versions.OfType<ModelVersionDetails>()], await AliasesOfAsync(name, scan, cancellationToken));
    }

    /// <summary>Resolves a version number or an alias to a published version.</summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    public async Task<string> ResolveVersionAsync(string name, string versionOrAlias, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        if (RegistryNames.LooksLikeVersion(versionOrAlias))
        {
            var number = RegistryNames.ParseVersion(versionOrAlias);
            return await blobs.Manifest(name, number).ExistsAsync(cancellationToken)
                ? RegistryLayout.VersionText(number)
                : throw await NotFoundAsync(name, () => RegistryErrors.UnknownVersion(name, number), cancellationToken);
        }

        RegistryNames.ValidateAlias(versionOrAlias);
        var current = (await aliases.ReadAsync(name, cancellationToken)).Aliases;
        return current.TryGetValue(versionOrAlias, out var version)
            ? version
            : throw await NotFoundAsync(name, () => RegistryErrors.UnknownAlias(name, versionOrAlias, current.Keys), cancellationToken);
    }

    /// <summary>A miss names the model when it has no published version at all, else what was asked of it.</summary>
    private async Task<ModelNotFoundException> NotFoundAsync(string name, Func<ModelNotFoundException> ofExistingModel, CancellationToken cancellationToken) =>
        (await blobs.ScanAsync(name, cancellationToken)).Published.Count == 0 ? RegistryErrors.UnknownModel(name) : ofExistingModel();

    private async Task<IReadOnlyDictionary<string, string>> AliasesOfAsync(string name, ModelScan scan, CancellationToken cancellationToken) =>
        scan.HasAliases ? (await aliases.ReadAsync(name, cancellationToken)).Aliases : AliasStore.None.Aliases;

    private async Task<ModelVersionDetails?> ReadVersionDetailsAsync(string name, int version, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.ReadManifestAsync(name, version, cancellationToken) is { Manifest: var manifest }
                ? new ModelVersionDetails(RegistryLayout.VersionText(version), manifest.CreatedAt, manifest.Metrics, manifest.Lineage, manifest.Files,
                    manifest.Variants)
                : null;
        }
        catch (InvalidModelPackageException ex)
        {
            Log.ManifestUnreadable(logger, name, version, ex.Message);
            return null;
        }
    }
}
