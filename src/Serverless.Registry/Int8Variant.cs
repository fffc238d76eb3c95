using System.Globalization;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// Makes the int8 variant of a package folder (<see cref="PackageFiles.QuantizedModel"/>, written before the manifest) and
/// holds it to a gate against the fp32 graph: on a labelled validation split where a trainer has one, else at publish on
/// arg-max agreement over texts drawn from the package's own vocabulary. A variant that fails is deleted and the manifest
/// says why.
/// </summary>
public static class Int8Variant
{
    /// <summary>The most accuracy or macro-F1 points (0–100 scale) the variant may lose against fp32 on the validation split.</summary>
    public const double MaxPointsLost = 0.5;

    /// <summary>The least arg-max agreement with fp32 the variant must keep when there are no labels (publish).</summary>
    public const double MinAgreement = 0.95;

    /// <summary>How many texts the publish-time gate draws from the vocabulary.</summary>
    public const int AgreementTexts = 64;

    /// <summary>
    /// Quantizes the folder's fp32 model into <see cref="PackageFiles.QuantizedModel"/> (unless the folder already has one),
    /// writes a provisional manifest listing it, and returns the label index each variant predicts for each text. The
    /// caller decides with <see cref="Finish"/>, which writes the final manifest.
    /// </summary>
    /// <exception cref="Serverless.Errors.InvalidModelPackageException">The fp32 model cannot be quantized or the variant cannot load.</exception>
    public static async Task<VariantPredictions> PredictAsync(
        string directory, IReadOnlyList<string> texts, JsonObject? metrics, Lineage? lineage, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken, IReadOnlyList<float>? offsetsTakenOut = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var quantizedPath = Path.Combine(directory, PackageFiles.QuantizedModel);
        if (!File.Exists(quantizedPath))
        {
            var fp32Path = ModelPackage.FindModel(directory)
                ?? throw new Serverless.Errors.InvalidModelPackageException("The package has no model.onnx (at its root or under onnx/).");
            var quantized = DynamicInt8Quantizer.Quantize(await File.ReadAllBytesAsync(fp32Path, cancellationToken));
            Directory.CreateDirectory(Path.GetDirectoryName(quantizedPath)!);
            await File.WriteAllBytesAsync(quantizedPath, quantized.Model, cancellationToken);
        }

        // Provisional: lists the file so it can be verified and loaded for the gate; Finish replaces it.
        ModelPackageWriter.WriteManifest(directory, metrics, lineage, Record(new ManifestVariant
        {
            File = PackageFiles.QuantizedModel,
            Gate = "pending: the gate did not finish",
        }));
        var package = ModelPackage.Open(directory);
        var fp32 = await ArgMaxAsync(package, texts, offsetsTakenOut, loggerFactory, cancellationToken);
        var int8 = await ArgMaxAsync(package.ForVariant(ModelVariants.Int8), texts, offsetsTakenOut, loggerFactory, cancellationToken);
        return new VariantPredictions(fp32, int8);
    }

    /// <summary>
    /// Writes the final manifest with <paramref name="verdict"/>: a kept variant stays listed; a dropped one's file is deleted
    /// first, so the manifest lists only what serves.
    /// </summary>
    public static Manifest Finish(string directory, ManifestVariant verdict, JsonObject? metrics, Lineage? lineage)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        if (verdict.Dropped is not null)
        {
            File.Delete(Path.Combine(directory, PackageFiles.QuantizedModel));
            verdict = verdict with { File = null };
        }

        return ModelPackageWriter.WriteManifest(directory, metrics, lineage, Record(verdict));
    }

    /// <summary>
    /// The publish-time gate for a package folder uploaded without a manifest: makes the variant (or takes the uploaded
    /// one), keeps it when its arg-max agrees with fp32 on at least <see cref="MinAgreement"/> of
    /// <see cref="AgreementTexts"/> texts drawn from the package's vocabulary (no labelled data exists at publish), and
    /// writes the manifest. Base encoders get no variant: without labels there is no arg-max to compare.
    /// </summary>
    public static async Task<Manifest> AddByAgreementAsync(string directory, Lineage? lineage, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ModelPackage.Validate(directory);
        var config = PackageJson.Read<ModelConfig>(Path.Combine(directory, PackageFiles.Config));
        if (config.IsBaseEncoder)
        {
            return ModelPackageWriter.WriteManifest(directory, metrics: null, lineage);
        }

        var texts = VocabularyTexts(File.ReadAllLines(Path.Combine(directory, PackageFiles.Vocab)));
        var predictions = await PredictAsync(directory, texts, metrics: null, lineage, loggerFactory, cancellationToken);
        var agreement = predictions.Agreement;
        var gate = string.Create(CultureInfo.InvariantCulture,
            $"publish: arg-max agreement with fp32 of at least {MinAgreement:P0} on {texts.Count} texts drawn from the vocabulary (no labelled data at publish)");
        return Finish(directory, new ManifestVariant
        {
            File = PackageFiles.QuantizedModel,
            Gate = gate,
            Texts = texts.Count,
            Agreement = Math.Round(agreement, 6),
            Dropped = agreement >= MinAgreement ? null : string.Create(CultureInfo.InvariantCulture,
                $"its arg-max agreed with fp32 on {agreement:P1} of the texts, below {MinAgreement:P0}"),
        }, metrics: null, lineage);
    }

    /// <summary>Seeded texts of 4–24 whole words from the vocabulary (no special tokens, no word pieces).</summary>
    internal static IReadOnlyList<string> VocabularyTexts(IReadOnlyList<string> vocabulary)
    {
        var words = vocabulary.Where(w => w.Length > 0 && !w.StartsWith("##", StringComparison.Ordinal) && !(w.StartsWith('[') && w.EndsWith(']'))).ToArray();
        if (words.Length == 0)
        {
            throw new Serverless.Errors.InvalidModelPackageException("vocab.txt has no whole words to test the int8 variant with.");
        }

        var random = new Random(17);
        return [.. Enumerable.Range(0, AgreementTexts).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(4, 25)).Select(_ => words[random.Next(words.Length)])))];
    }

    private static async Task<int[]> ArgMaxAsync(
        ModelPackage package, IReadOnlyList<string> texts, IReadOnlyList<float>? offsetsTakenOut, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        await using var engine = await ClassificationEngine.CreateAsync(package, new ServingOptions { Device = InferenceDevice.Cpu }, new BatchingOptions(), loggerFactory, cancellationToken);
        var logits = await engine.GetLogitsInSlicesAsync(texts, cancellationToken);
        if (offsetsTakenOut is not null)
        {
            foreach (var row in logits)
            {
                for (var k = 0; k < row.Length; k++)
                {
                    row[k] -= offsetsTakenOut[k];
                }
            }
        }

        return [.. logits.Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(l))];
    }

    private static Dictionary<string, ManifestVariant> Record(ManifestVariant variant) => new() { [ModelVariants.Int8] = variant };
}
