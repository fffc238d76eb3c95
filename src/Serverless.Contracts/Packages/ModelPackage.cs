using System.Security.Cryptography;
using Serverless.Errors;

namespace Serverless.Packages;

/// <summary>
/// A model package on local disk whose files were checked against its manifest. Opening never succeeds for a version
/// that is partly written, corrupt, or inconsistent, so whatever holds a <see cref="ModelPackage"/> can serve it.
/// </summary>
public sealed class ModelPackage
{
    private ModelPackage(string directory, Manifest manifest, ModelConfig config, TokenizerConfig tokenizerConfig, string modelPath,
        string variant = ModelVariants.Fp32)
    {
        Directory = directory;
        Manifest = manifest;
        Config = config;
        TokenizerConfig = tokenizerConfig;
        ModelPath = modelPath;
        Variant = variant;
    }

    /// <summary>The package folder.</summary>
    public string Directory { get; }

    public Manifest Manifest { get; }
    public ModelConfig Config { get; }
    public TokenizerConfig TokenizerConfig { get; }

    /// <summary>
    /// Path of the ONNX model of <see cref="Variant"/>: model.onnx (or onnx/model.onnx in a transformers.js layout) for fp32,
    /// onnx/model_quantized.onnx for int8.
    /// </summary>
    public string ModelPath { get; }

    /// <summary>The variant <see cref="ModelPath"/> holds (<see cref="ModelVariants"/>); fp32 unless <see cref="ForVariant"/> chose another.</summary>
    public string Variant { get; }

    /// <summary>
    /// The variants this version can serve: fp32 always, and every other one the manifest records as kept with its file listed
    /// (and so verified by <see cref="Open"/>).
    /// </summary>
    public IReadOnlyList<string> Variants =>
        [.. ModelVariants.All.Where(v => v == ModelVariants.Fp32 || VariantFile(v) is not null)];

    /// <summary>The same version with <paramref name="variant"/>'s model file as <see cref="ModelPath"/>.</summary>
    /// <exception cref="VariantNotFoundException">The version does not have that variant.</exception>
    public ModelPackage ForVariant(string variant)
    {
        if (variant == Variant)
        {
            return this;
        }

        if (variant == ModelVariants.Fp32)
        {
            return new ModelPackage(Directory, Manifest, Config, TokenizerConfig, FindListedModel(Directory, Manifest));
        }

        var file = VariantFile(variant) ?? throw new VariantNotFoundException(
            $"This version has no '{variant}' variant; it has {string.Join(" and ", Variants)}." +
            (Manifest.Variants?.GetValueOrDefault(variant)?.Dropped is { } dropped ? $" The {variant} variant was dropped: {dropped}" : ""));
        return new ModelPackage(Directory, Manifest, Config, TokenizerConfig, Path.Combine(Directory, file), variant);
    }

    /// <summary>
    /// Path of the unpadded execution of <see cref="Variant"/> (<see cref="PackageFiles.PackedModelOf"/>) when the manifest
    /// lists it as kept, else null (see <see cref="PaddedReason"/>).
    /// </summary>
    public string? PackedModelPath =>
        Manifest.Packed?.GetValueOrDefault(Variant) is { File: { } file, Unavailable: null } && Manifest.Files.ContainsKey(file)
            ? Path.Combine(Directory, file)
            : null;

    /// <summary>Why <see cref="Variant"/> has no unpadded execution, in words; null when it has one.</summary>
    public string? PaddedReason => PackedModelPath is not null ? null
        : Manifest.Packed?.GetValueOrDefault(Variant)?.Unavailable
            ?? "the version has no unpadded graph (it was published before they were made, or by a path that makes none)";

    private string? VariantFile(string variant) =>
        variant != ModelVariants.Fp32 && Manifest.Variants?.GetValueOrDefault(variant) is { File: { } file, Dropped: null } &&
        Manifest.Files.ContainsKey(file) ? file : null;

    /// <summary>Path of vocab.txt.</summary>
    public string VocabPath => Path.Combine(Directory, PackageFiles.Vocab);

    /// <summary>Longest input in tokens: model_max_length, never above max_position_embeddings.</summary>
    public int MaxLength => Math.Min(TokenizerConfig.ModelMaxLength, Config.MaxPositionEmbeddings);

    /// <summary>Opens a package, verifying the sha256 and size of every file listed in its manifest.</summary>
    /// <exception cref="InvalidModelPackageException">The package is incomplete, corrupt or inconsistent.</exception>
    public static ModelPackage Open(string directory)
    {
        var manifest = PackageJson.Read<Manifest>(Path.Combine(directory, PackageFiles.Manifest));
        if (manifest.Files is null || manifest.Files.Count == 0)
        {
            throw new InvalidModelPackageException("manifest.json lists no files.");
        }

        // A required file present on disk but missing from the manifest would be published without it (only listed files
        // are uploaded) and never load.
        if (!manifest.Files.ContainsKey(PackageFiles.Model) && !manifest.Files.ContainsKey(PackageFiles.TransformersJsModel))
        {
            throw new InvalidModelPackageException(
                $"manifest.json does not list {PackageFiles.Model} (at the root or under onnx/): every required file must be listed with its sha256 and size.");
        }

        foreach (var required in PackageFiles.Required.Where(f => f != PackageFiles.Model && !manifest.Files.ContainsKey(f)))
        {
            throw new InvalidModelPackageException(
                $"manifest.json does not list {required}: every required file ({string.Join(", ", PackageFiles.Required)}) must be listed with its sha256 and size.");
        }

        foreach (var (relativePath, expected) in manifest.Files)
        {
            VerifyFile(directory, relativePath, expected);
        }

        return OpenUnverified(directory, manifest);
    }

    /// <summary>
    /// Reads the model file once and checks those very bytes against the manifest (size and sha256), so what is loaded is
    /// what was verified even if the file is replaced after <see cref="Open"/>.
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The model file no longer matches the manifest.</exception>
    public byte[] ReadVerifiedModel() => ReadVerifiedModel(ModelPath);

    /// <summary>Reads one of the package's model files (<see cref="ModelPath"/> or <see cref="PackedModelPath"/>) as <see cref="ReadVerifiedModel()"/> does.</summary>
    /// <exception cref="InvalidModelPackageException">The file is not listed in the manifest or no longer matches it.</exception>
    public byte[] ReadVerifiedModel(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var relativePath = Path.GetRelativePath(Directory, path).Replace('\\', '/');
        if (Manifest.Files.Count > 0 &&
            (!Manifest.Files.TryGetValue(relativePath, out var expected) || bytes.LongLength != expected.Size ||
             !string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), expected.Sha256, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidModelPackageException($"{relativePath} changed after it was verified: it no longer matches its sha256 and size in manifest.json.");
        }

        return bytes;
    }

    /// <summary>Checks the package's content (required files, configs) without a manifest; used before one is written.</summary>
    public static void Validate(string directory) => OpenUnverified(directory, manifest: null);

    /// <summary>Where the model file of a package folder lies, or null.</summary>
    public static string? FindModel(string directory) =>
        new[] { PackageFiles.Model, PackageFiles.TransformersJsModel }
            .Select(p => Path.Combine(directory, p))
            .FirstOrDefault(File.Exists);

    private static ModelPackage OpenUnverified(string directory, Manifest? manifest)
    {
        // With a manifest, the model is the one it lists (a stray unlisted file beside it is never loaded).
        var modelPath = manifest is null
            ? FindModel(directory) ?? throw new InvalidModelPackageException("The package has no model.onnx (at its root or under onnx/).")
            : FindListedModel(directory, manifest);
        foreach (var required in PackageFiles.Required.Where(f => f != PackageFiles.Model))
        {
            if (!File.Exists(Path.Combine(directory, required)))
            {
                throw new InvalidModelPackageException($"The package has no {required}.");
            }
        }

        var config = PackageJson.Read<ModelConfig>(Path.Combine(directory, PackageFiles.Config));
        var tokenizerConfig = PackageJson.Read<TokenizerConfig>(Path.Combine(directory, PackageFiles.TokenizerConfig));
        _ = config.LabelsInOrder();
        if (config.Label2id is { } label2id && config.Id2label is { } id2label &&
            label2id.Any(kv => !id2label.TryGetValue(kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), out var l) || l != kv.Key))
        {
            throw new InvalidModelPackageException("config.json label2id does not match id2label.");
        }

        if (config.ProblemType is not (null or ModelConfig.SingleLabel or ModelConfig.MultiLabel))
        {
            throw new InvalidModelPackageException($"config.json problem_type '{config.ProblemType}' is not supported: use single_label_classification or multi_label_classification.");
        }

        if (tokenizerConfig.ModelMaxLength < 2 || config.MaxPositionEmbeddings < 2)
        {
            throw new InvalidModelPackageException("model_max_length and max_position_embeddings must be at least 2.");
        }

        return new ModelPackage(directory, manifest ?? new Manifest { Files = new Dictionary<string, ManifestFile>() }, config, tokenizerConfig, modelPath);
    }

    private static string FindListedModel(string directory, Manifest manifest) =>
        Path.Combine(directory, manifest.Files.ContainsKey(PackageFiles.Model) ? PackageFiles.Model : PackageFiles.TransformersJsModel);

    private static void VerifyFile(string directory, string relativePath, ManifestFile expected)
    {
        string fullPath;
        try
        {
            fullPath = LocalFolderPath.Resolve(directory, relativePath);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidModelPackageException($"manifest.json lists an invalid path: {ex.Message}");
        }

        if (relativePath == PackageFiles.Manifest)
        {
            throw new InvalidModelPackageException($"manifest.json lists an invalid path '{relativePath}': the manifest cannot list itself.");
        }

        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            throw new InvalidModelPackageException($"{relativePath} is listed in manifest.json but missing.");
        }

        if (info.Length != expected.Size)
        {
            throw new InvalidModelPackageException($"{relativePath} has {info.Length} bytes; manifest.json says {expected.Size}.");
        }

        var actual = Sha256Of(fullPath);
        if (!string.Equals(actual, expected.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidModelPackageException($"{relativePath} does not match its sha256 in manifest.json.");
        }
    }

    /// <summary>Lower-case hex sha256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
