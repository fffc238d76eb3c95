using Serverless.Errors;

namespace Serverless.Registry;

/// <summary>
/// The registry's 404s, each saying what is missing and what to do in the registry's own terms, with the
/// <see cref="MissingModel"/> a caller-facing layer adds its route from (the registry names none).
/// </summary>
internal static class RegistryErrors
{
    /// <summary>The model has no published version (or does not exist at all).</summary>
    public static ModelNotFoundException UnknownModel(string name) => new(
        $"Model '{name}' does not exist or has no published version: publish one first.",
        new MissingModel(name));

    /// <summary>The model exists but this version is not published.</summary>
    public static ModelNotFoundException UnknownVersion(string name, int version) => new(
        $"Model '{name}' has no published version {version}: list its versions.",
        new MissingModel(name, Version: RegistryLayout.VersionText(version)));

    /// <summary>The model exists but has no such alias; <paramref name="aliases"/> are the ones it has.</summary>
    public static ModelNotFoundException UnknownAlias(string name, string alias, IEnumerable<string> aliases)
    {
        var existing = string.Join(", ", aliases);
        return new ModelNotFoundException(
            existing.Length == 0
                ? $"Model '{name}' has no alias '{alias}' (it has none yet): give a version number, or set the alias first."
                : $"Model '{name}' has no alias '{alias}' (its aliases: {existing}): give a version number or one of those aliases, or set this one first.",
            new MissingModel(name, Alias: alias));
    }
}
