using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class Int8VariantGateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("int8-gate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static LabelledExample[] Validation() =>
        [.. TinyModels.KeywordExamples(80, seed: 5).Select(e => new LabelledExample(e.Text, e.Label))];

    [Fact]
    public async Task Apply_VariantKeepsItsAccuracy_IsWrittenBeforeTheManifestAndServes()
    {
        var directory = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_directory, "keywords"));
        var before = ModelPackage.Open(directory).Manifest;

        var manifest = await Int8VariantGate.ApplyAsync(directory, Validation(), NullLoggerFactory.Instance, CancellationToken.None);

        var int8 = manifest.Variants![ModelVariants.Int8];
        Assert.Null(int8.Dropped);
        Assert.Equal(PackageFiles.QuantizedModel, int8.File);
        Assert.Equal(80, int8.Texts);
        Assert.InRange(int8.Fp32Accuracy!.Value, 0.8, 1.0);
        Assert.Equal(int8.Fp32Accuracy, int8.Accuracy);
        Assert.Equal(int8.Fp32MacroF1, int8.MacroF1);
        Assert.Equal(1.0, int8.Agreement);
        Assert.Contains("validation", int8.Gate, StringComparison.Ordinal);
        Assert.Contains(PackageFiles.QuantizedModel, manifest.Files.Keys);
        Assert.Equal(before.Lineage, manifest.Lineage);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(directory, PackageFiles.Manifest)) >=
            File.GetLastWriteTimeUtc(Path.Combine(directory, PackageFiles.QuantizedModel)), "the manifest is written last");
        var reopened = ModelPackage.Open(directory);
        Assert.Equal([ModelVariants.Int8, ModelVariants.Fp32], reopened.Variants);
        Assert.EndsWith(PackageFiles.QuantizedModel, reopened.ForVariant(ModelVariants.Int8).ModelPath, StringComparison.Ordinal);

        // A later step that rewrites the manifest (auto mode adds its selection) keeps the variant.
        var rewritten = ModelPackageWriter.WriteManifest(directory, new JsonObject { ["selection"] = "head" }, manifest.Lineage);
        Assert.Equal(int8, rewritten.Variants![ModelVariants.Int8]);
        Assert.Equal([ModelVariants.Int8, ModelVariants.Fp32], ModelPackage.Open(directory).Variants);
    }

    [Fact]
    public async Task Apply_PackageWithDecisionOffsets_ScoresBothVariantsWithTheOffsetsTakenOut()
    {
        // The recorded offset says calibration lowered "spam" by 50; taken out, both variants answer "spam" for every text,
        // so fp32 and int8 each score the share of spam texts (0.5), where the package as served scores far more.
        var directory = TinyModels.WriteKeywordClassifierPackage(Path.Combine(_directory, "offsets"));
        var metrics = new JsonObject
        {
            ["decision_calibration"] = new JsonObject { ["offsets"] = new JsonObject { ["ham"] = 0.0, ["spam"] = -50.0 } },
        };
        ModelPackageWriter.WriteManifest(directory, metrics, new Lineage { Base = "keywords" });

        var manifest = await Int8VariantGate.ApplyAsync(directory, Validation(), NullLoggerFactory.Instance, CancellationToken.None);

        var int8 = manifest.Variants![ModelVariants.Int8];
        Assert.Equal(0.5, int8.Fp32Accuracy);
        Assert.Equal(0.5, int8.Accuracy);
        Assert.Null(int8.Dropped);
        Assert.Contains("decision offsets taken out", int8.Gate, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_VariantLosesAccuracy_IsDroppedAndTheManifestSaysWhy()
    {
        var directory = TinyModels.WriteInt8FragileClassifierPackage(Path.Combine(_directory, "fragile"));
        var metrics = new JsonObject { ["accuracy"] = 1.0 };
        ModelPackageWriter.WriteManifest(directory, metrics, new Lineage { Base = "fragile" });

        var manifest = await Int8VariantGate.ApplyAsync(directory, Validation(), NullLoggerFactory.Instance, CancellationToken.None);

        var int8 = manifest.Variants![ModelVariants.Int8];
        Assert.Null(int8.File);
        Assert.InRange(int8.Fp32Accuracy!.Value, 0.8, 1.0);
        Assert.Equal(0.5, int8.Accuracy); // "ham" for all 40 + 40 texts
        Assert.Contains("accuracy points", int8.Dropped, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, PackageFiles.QuantizedModel)));
        Assert.DoesNotContain(PackageFiles.QuantizedModel, manifest.Files.Keys);
        Assert.Equal(1.0, (double)manifest.Metrics!["accuracy"]!);
        var reopened = ModelPackage.Open(directory);
        Assert.Equal([ModelVariants.Fp32], reopened.Variants);
        var error = Assert.Throws<VariantNotFoundException>(() => reopened.ForVariant(ModelVariants.Int8));
        Assert.Contains("dropped", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("variant-not-found", error.Type, StringComparison.Ordinal);
    }
}
