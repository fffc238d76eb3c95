using System.Text.Json.Nodes;

namespace Serverless.Packages;

/// <summary>
/// Writes model packages in the one layout every producer uses (import, head-only training, fine-tuning, tests).
/// The manifest is always written last, so a half-written folder never opens as a package.
/// </summary>
public static class ModelPackageWriter
{
    /// <summary>Writes vocab.txt, tokenizer_config.json and tokenizer.json (Hugging Face format) from one vocabulary.</summary>
    public static void WriteTokenizer(string directory, IReadOnlyList<string> vocab, TokenizerConfig config)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, PackageFiles.Vocab), string.Join('\n', vocab) + "\n");
        PackageJson.Write(Path.Combine(directory, PackageFiles.TokenizerConfig), config);
        File.WriteAllText(Path.Combine(directory, PackageFiles.Tokenizer), HuggingFaceTokenizerJson.Create(vocab, config));
    }

    /// <summary>Writes config.json.</summary>
    public static void WriteConfig(string directory, ModelConfig config)
    {
        System.IO.Directory.CreateDirectory(directory);
        PackageJson.Write(Path.Combine(directory, PackageFiles.Config), config);
    }

    /// <summary>Writes a whole package: model, tokenizer files, config, extra files, then the manifest.</summary>
    public static Manifest Write(string directory, ModelPackageContent content, TimeProvider? clock = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, PackageFiles.Model), content.Model);
        WriteTokenizer(directory, content.Vocab, content.TokenizerConfig);
        WriteConfig(directory, content.Config);
        foreach (var (name, bytes) in content.ExtraFiles ?? new Dictionary<string, byte[]>())
        {
            var path = LocalFolderPath.Resolve(directory, name);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }

        return WriteManifest(directory, content.Metrics, content.Lineage, clock);
    }

    /// <summary>
    /// Validates the package's content, hashes every file in the folder except the manifest, and writes manifest.json.
    /// </summary>
    /// <remarks>
    /// The variants and unpadded graphs the folder's current manifest records (if any) are kept: a step that rewrites the
    /// manifest to add metrics does not drop what was made before it.
    /// </remarks>
    public static Manifest WriteManifest(string directory, JsonObject? metrics, Lineage? lineage, TimeProvider? clock = null)
    {
        var existing = ExistingManifest(directory);
        return WriteManifest(directory, metrics, lineage, existing?.Variants, existing?.Packed, clock);
    }

    /// <summary>
    /// Writes manifest.json as <see cref="WriteManifest(string, JsonObject?, Lineage?, TimeProvider?)"/> does, recording
    /// <paramref name="variants"/> (each kept variant's file must be in the folder, so it is hashed and listed).
    /// </summary>
    public static Manifest WriteManifest(
        string directory, JsonObject? metrics, Lineage? lineage, IReadOnlyDictionary<string, ManifestVariant>? variants, TimeProvider? clock = null) =>
        WriteManifest(directory, metrics, lineage, variants, ExistingManifest(directory)?.Packed, clock);

    /// <summary>
    /// Writes manifest.json recording <paramref name="variants"/> and each variant's unpadded graph
    /// (<paramref name="packed"/>); an entry whose file is no longer in the folder is left out.
    /// </summary>
    public static Manifest WriteManifest(
        string directory, JsonObject? metrics, Lineage? lineage, IReadOnlyDictionary<string, ManifestVariant>? variants,
        IReadOnlyDictionary<string, ManifestPackedGraph>? packed, TimeProvider? clock = null)
    {
        ModelPackage.Validate(directory);
        var manifestPath = Path.Combine(directory, PackageFiles.Manifest);
        var files = System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(p => p != manifestPath)
            .Select(p => Path.GetRelativePath(directory, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => p, p => new ManifestFile(ModelPackage.Sha256Of(Path.Combine(directory, p)), new FileInfo(Path.Combine(directory, p)).Length));
        var listedPacked = packed?.Where(p => p.Value.File is null || files.ContainsKey(p.Value.File)).ToDictionary(p => p.Key, p => p.Value);
        var manifest = new Manifest
        {
            Files = files,
            Metrics = metrics,
            Lineage = lineage,
            Variants = variants is { Count: > 0 } ? variants : null,
            Packed = listedPacked is { Count: > 0 } ? listedPacked : null,
            CreatedAt = (clock ?? TimeProvider.System).GetUtcNow(),
        };
        var temporary = manifestPath + ".tmp";
        PackageJson.Write(temporary, manifest);
        File.Move(temporary, manifestPath, overwrite: true);
        return manifest;
    }

    private static Manifest? ExistingManifest(string directory)
    {
        var path = Path.Combine(directory, PackageFiles.Manifest);
        try
        {
            return File.Exists(path) ? PackageJson.Read<Manifest>(path) : null;
        }
        catch (Serverless.Errors.InvalidModelPackageException)
        {
            // An unreadable manifest is being replaced; it holds nothing worth keeping.
            return null;
        }
    }
}
