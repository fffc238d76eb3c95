using System.Globalization;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// The one place that knows the registry's blob names inside its container: <c>{name}/aliases.json</c>, and
/// <c>{name}/{version}/{file}</c> for a version's files, among them the claim marker <c>.claimed</c> (written first) and
/// <c>manifest.json</c> (written last). Names are built only from validated model names and version numbers.
/// </summary>
internal static class RegistryLayout
{
    /// <summary>A model's alias → version document, directly in its folder.</summary>
    public const string AliasesFile = "aliases.json";

    /// <summary>The marker that claims a version number (If-None-Match: *), in the version's folder.</summary>
    public const string ClaimFile = ".claimed";

    /// <summary>The folder of a model, as a listing prefix: <c>{name}/</c>.</summary>
    public static string ModelFolder(string name) => name + "/";

    /// <summary>A model's aliases.json: <c>{name}/aliases.json</c>.</summary>
    public static string Aliases(string name) => ModelFolder(name) + AliasesFile;

    /// <summary>The folder of a version, as a listing prefix: <c>{name}/{version}/</c>.</summary>
    public static string VersionFolder(string name, int version) => ModelFolder(name) + VersionText(version) + "/";

    /// <summary>A file of a version: <c>{name}/{version}/{file}</c>, the file a package-relative path with '/' separators.</summary>
    public static string VersionFile(string name, int version, string file) => VersionFolder(name, version) + file;

    /// <summary>The manifest of a version: <c>{name}/{version}/manifest.json</c>.</summary>
    public static string Manifest(string name, int version) => VersionFile(name, version, PackageFiles.Manifest);

    /// <summary>The claim marker of a version: <c>{name}/{version}/.claimed</c>.</summary>
    public static string Claim(string name, int version) => VersionFile(name, version, ClaimFile);

    /// <summary>True when the blob name is a version's claim marker.</summary>
    public static bool IsClaim(string blobName) => blobName.EndsWith("/" + ClaimFile, StringComparison.Ordinal);

    /// <summary>A version number as it appears in blob names and answers: invariant digits.</summary>
    public static string VersionText(int version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads the blob names of one model's folder, relative to it (<c>aliases.json</c>, <c>3/model.onnx</c>), into what
    /// they say: the claimed versions, the published ones (manifest written) and whether aliases.json exists. Names that
    /// fit neither (another folder's, a non-canonical version) are ignored.
    /// </summary>
    public static ModelScan Scan(IEnumerable<string> relativeNames)
    {
        var scan = new ModelScan();
        foreach (var relative in relativeNames)
        {
            if (relative == AliasesFile)
            {
                scan.HasAliases = true;
                continue;
            }

            var slash = relative.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && RegistryNames.TryParseVersion(relative[..slash], out var version))
            {
                scan.Claimed.Add(version);
                if (relative[(slash + 1)..] == PackageFiles.Manifest)
                {
                    scan.Published.Add(version);
                }
            }
        }

        return scan;
    }

    /// <summary>
    /// Groups the blob names of the whole container by model folder and scans each (<see cref="Scan"/>), by name; a
    /// first segment that is not a valid model name is no model.
    /// </summary>
    public static SortedDictionary<string, ModelScan> ScanAll(IEnumerable<string> blobNames)
    {
        var byModel = blobNames
            .Select(blobName => (BlobName: blobName, Slash: blobName.IndexOf('/', StringComparison.Ordinal)))
            .Where(b => b.Slash > 0 && ModelNames.IsValid(b.BlobName[..b.Slash]))
            .GroupBy(b => b.BlobName[..b.Slash], b => b.BlobName[(b.Slash + 1)..], StringComparer.Ordinal);
        return new SortedDictionary<string, ModelScan>(byModel.ToDictionary(g => g.Key, Scan, StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
