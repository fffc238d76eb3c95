using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.Cards;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;
using Serverless.Training.HeadOnly;

namespace Serverless.Training.Tests.HeadOnly;

public sealed class HeadOnlyTrainerTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("head-only-");

    public void Dispose() => _work.Delete(recursive: true);

    private static HeadTrainingOptions FastOptions => new() { MaxLength = 16, Epochs = 120, L2Candidates = [1e-3, 1e-1], BatchSize = 8 };

    [Fact]
    public async Task TrainAsync_TinyEncoderAndData_WritesAServableClassifierThatMatchesTheHead()
    {
        var basePackage = ModelPackage.Open(TinyModels.WriteBaseEncoderPackage(Path.Combine(_work.FullName, "base"), maxLength: 32));
        var splits = DatasetSplitter.Prepare(TinyData.Create(), options: new SplitOptions(Seed: 3));
        var output = Path.Combine(_work.FullName, "out");
        var reports = new List<TrainingProgress>();

        var result = await new HeadOnlyTrainer(NullLoggerFactory.Instance).TrainAsync(
            new HeadTrainingJob { ModelName = "tiny-spam", BasePackage = basePackage, BaseReference = "tiny@1", Data = splits, Options = FastOptions, SplitSeed = 3 },
            output,
            new InlineProgress(reports.Add),
            CancellationToken.None);

        var package = ModelPackage.Open(output);
        Assert.False(package.Config.IsBaseEncoder);
        Assert.Equal(["ham", "spam"], package.Config.LabelsInOrder());
        Assert.Equal("mean", package.Config.Pooling);
        Assert.Equal(16, package.MaxLength);
        Assert.Equal("head", package.Manifest.Lineage!.TrainingMode);
        Assert.Equal("tiny@1", package.Manifest.Lineage.Base);
        Assert.Equal(splits.DatasetSha256, package.Manifest.Lineage.DatasetSha256);
        Assert.Equal(result.L2, package.Manifest.Lineage.Hyperparameters!["l2"]!.GetValue<double>());
        Assert.Equal(Math.Round(result.Test.MacroF1, 6), package.Manifest.Metrics!["macro_f1"]!.GetValue<double>());
        Assert.Contains(PackageFiles.Card, package.Manifest.Files.Keys);
        Assert.Contains(ModelCard.ConfusionMatrixPlot, package.Manifest.Files.Keys);
        Assert.Contains(ModelCard.LossPlot, package.Manifest.Files.Keys);
        Assert.Contains("predictions agree", File.ReadAllText(Path.Combine(output, PackageFiles.Card)), StringComparison.Ordinal);
        var int8 = package.Manifest.Variants![ModelVariants.Int8];
        Assert.Equal(splits.Validation.Count, int8.Texts);
        Assert.Equal(int8.Dropped is null, package.Variants.Contains(ModelVariants.Int8));
        Assert.Equal(int8, result.Manifest.Variants![ModelVariants.Int8]);

        Assert.Equal(splits.Test.Count, result.Parity.Texts);
        Assert.Equal(1.0, result.Parity.Agreement);
        Assert.True(result.Parity.Passed, result.Parity.ToString());

        // The serving engine's own predictions reproduce the reported test metrics.
        await using var engine = await ClassificationEngine.CreateAsync(package, new ServingOptions { Device = InferenceDevice.Cpu }, new BatchingOptions(), NullLoggerFactory.Instance, CancellationToken.None);
        var served = await engine.ClassifyAsync(splits.Test.Select(e => e.Text).ToArray(), null, CancellationToken.None);
        var servedReport = ClassificationMetrics.Compute(splits.Labels, splits.Test.Select(e => e.Label).ToArray(), served.Select(r => r.Label).ToArray());
        Assert.Equal(result.Test.ConfusionMatrix.Counts, servedReport.ConfusionMatrix.Counts);
        Assert.True(result.Test.Accuracy >= 0.8, $"test accuracy {result.Test.Accuracy}");

        Assert.Equal(["embedding", "fitting", "packaging", "verifying", "done"], reports.Select(r => r.Stage).Distinct());
        Assert.Equal(reports.Select(r => r.Percent).Order(), reports.Select(r => r.Percent));
        Assert.Equal(100, reports[^1].Percent);
    }

    [Fact]
    public async Task TrainAsync_ClassifierAsBase_IsRefused()
    {
        var classifier = ModelPackage.Open(TinyModels.WriteClassifierPackage(Path.Combine(_work.FullName, "classifier")));
        var splits = DatasetSplitter.Prepare(TinyData.Create());

        var error = await Assert.ThrowsAsync<Errors.InvalidModelPackageException>(() => new HeadOnlyTrainer(NullLoggerFactory.Instance).TrainAsync(
            new HeadTrainingJob { ModelName = "x", BasePackage = classifier, BaseReference = "cls@1", Data = splits, Options = FastOptions },
            Path.Combine(_work.FullName, "out"),
            null,
            CancellationToken.None));

        Assert.Contains("needs a base encoder", error.Message, StringComparison.Ordinal);
    }

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
