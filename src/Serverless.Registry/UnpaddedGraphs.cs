using System.Globalization;

using Microsoft.Extensions.Logging;

using Serverless.Errors;
using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Registry;

/// <summary>
/// The last step of every classifier package (trainer candidates and publish alike): writes each variant's unpadded
/// graph (<see cref="PackageFiles.PackedModelOf"/>, by the project's own writer from the weights the weight reader
/// recognises), holds it to parity with the variant's padded graph, and writes the manifest with the verdict. A graph
/// the reader does not recognise, or a packed graph that fails parity, leaves the variant serving padded, and the
/// manifest says why.
/// </summary>
public static class UnpaddedGraphs
{
    /// <summary>The largest |logit difference| against the padded graph that parity allows.</summary>
    public const double MaxLogitDifference = 1e-4;

    /// <summary>How many texts of one batch the fp32 parity runs together (mixed lengths, so the packing is exercised).</summary>
    internal const int ParityBatch = 16;

    private static readonly ServingOptions s_padded = new() { Device = InferenceDevice.Cpu, IntraOpThreads = 1, Unpadded = false };
    private static readonly ServingOptions s_unpadded = new() { Device = InferenceDevice.Cpu, IntraOpThreads = 1, Unpadded = true };

    /// <summary>
    /// Adds the unpadded graph of every variant the folder's manifest lists and rewrites the manifest (metrics, lineage and
    /// variants kept); returns it. A base encoder gets none: it is never classified.
    /// </summary>
    /// <param name="directory">A package folder with its manifest written, variants made.</param>
    /// <param name="logger">Logs of the parity sessions.</param>
    /// <param name="cancellationToken">Stops the parity runs.</param>
    public static async Task<Manifest> AddAsync(string directory, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var package = ModelPackage.Open(directory);
        var manifest = package.Manifest;
        if (package.Config.IsBaseEncoder)
        {
            return manifest;
        }

        var parity = string.Create(CultureInfo.InvariantCulture,
            $"max |logit difference| against the padded graph at most {MaxLogitDifference:0e0} and the same arg-max on every text (fp32 in mixed-length batches of {ParityBatch}, int8 one text at a time: its activation scales span the batch)");
        var records = new Dictionary<string, ManifestPackedGraph>(StringComparer.Ordinal);
        var (packedFp32, unrecognised) = WritePacked(package);
        foreach (var variant in package.Variants)
        {
            if (packedFp32 is null)
            {
                records[variant] = new ManifestPackedGraph { Parity = parity, Unavailable = unrecognised };
                continue;
            }

            var file = PackageFiles.PackedModelOf(variant);
            var bytes = variant == ModelVariants.Int8 ? DynamicInt8Quantizer.Quantize(packedFp32).Model : packedFp32;
            var path = Path.Combine(directory, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes, cancellationToken);
            records[variant] = new ManifestPackedGraph { File = file, Parity = parity, Unavailable = "pending: parity did not finish" };
        }

        if (packedFp32 is not null)
        {
            // Provisional: lists the files so they are verified and loadable; the verdicts replace it.
            var pending = records.ToDictionary(r => r.Key, r => r.Value with { Unavailable = null });
            ModelPackageWriter.WriteManifest(directory, manifest.Metrics, manifest.Lineage, manifest.Variants, pending);
            package = ModelPackage.Open(directory);
            var tokenizer = BertTextTokenizer.Create(package);
            var texts = ParityTexts(package, tokenizer);
            foreach (var variant in records.Keys.ToArray())
            {
                var (difference, sameArgMax) = await Task.Run(() => Compare(package.ForVariant(variant), texts, tokenizer.PadId, logger), cancellationToken);
                var passed = difference <= MaxLogitDifference && sameArgMax;
                records[variant] = records[variant] with
                {
                    Texts = texts.Count,
                    MaxLogitDifference = difference,
                    Unavailable = passed ? null : string.Create(CultureInfo.InvariantCulture,
                        $"its unpadded graph failed parity on {texts.Count} texts (max |logit difference| {difference:0.###e0}{(sameArgMax ? "" : ", a different arg-max")})"),
                };
                if (!passed)
                {
                    File.Delete(Path.Combine(directory, records[variant].File!));
                    records[variant] = records[variant] with { File = null };
                }
            }
        }

        return ModelPackageWriter.WriteManifest(directory, manifest.Metrics, manifest.Lineage, manifest.Variants, records);
    }

    /// <summary>The fp32 graph rewritten unpadded, or why it cannot be.</summary>
    private static (byte[]? Packed, string? Unrecognised) WritePacked(ModelPackage package)
    {
        try
        {
            var weights = OnnxBertWeightsReader.Read(package.ForVariant(ModelVariants.Fp32).ModelPath);
            var config = OnnxBertWeightsReader.ConfigOf(weights, package.Config);
            return (BertOnnxWriter.Write(config, weights, BertLayout.Packed), null);
        }
        catch (InvalidModelPackageException ex)
        {
            return (null, $"the graph is not one the project's weight reader recognises (a BERT-family encoder with Hugging Face parameter names and a linear classifier head), so it serves padded: {ex.Message}");
        }
    }

    /// <summary>Texts drawn from the vocabulary, plus two that fill the model's maximum length.</summary>
    private static IReadOnlyList<TokenizedText> ParityTexts(ModelPackage package, BertTextTokenizer tokenizer)
    {
        var texts = Int8Variant.VocabularyTexts(File.ReadAllLines(package.VocabPath)).ToList();
        texts.Add(string.Join(' ', Enumerable.Repeat(texts[0], package.MaxLength)));
        texts.Add(string.Join(' ', Enumerable.Repeat(texts[1], package.MaxLength)));
        return [.. texts.Select(t => tokenizer.Tokenize(t, package.MaxLength))];
    }

    private static (double MaxDifference, bool SameArgMax) Compare(ModelPackage package, IReadOnlyList<TokenizedText> texts, int padId, ILogger logger)
    {
        using var padded = OnnxModelSession.Create(package, s_padded, logger);
        using var unpadded = OnnxModelSession.Create(package, s_unpadded, logger);
        if (!unpadded.IsPacked)
        {
            return (double.PositiveInfinity, false);
        }

        var batch = package.Variant == ModelVariants.Int8 ? 1 : ParityBatch;
        var (difference, sameArgMax) = (0.0, true);
        foreach (var chunk in texts.Chunk(batch))
        {
            var expected = padded.Run(chunk, padId, out var shape);
            var actual = unpadded.Run(chunk, padId, out _);
            var width = shape[1];
            for (var row = 0; row < chunk.Length; row++)
            {
                var e = expected.AsSpan(row * width, width);
                var a = actual.AsSpan(row * width, width);
                for (var k = 0; k < width; k++)
                {
                    difference = Math.Max(difference, Math.Abs(e[k] - a[k]));
                }

                sameArgMax &= System.Numerics.Tensors.TensorPrimitives.IndexOfMax(e) == System.Numerics.Tensors.TensorPrimitives.IndexOfMax(a);
            }
        }

        return (difference, sameArgMax);
    }
}
