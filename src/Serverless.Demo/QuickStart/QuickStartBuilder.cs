using System.Globalization;

using Microsoft.Extensions.Logging;

using Serverless.Onnx;
using Serverless.Registry;
using Serverless.Training.Data;
using Serverless.Demo.Email;
using Serverless.Training.HeadOnly;

namespace Serverless.Demo.QuickStart;

/// <summary>
/// Makes sure the registry has the quick-start models: the all-MiniLM-L6-v2 base encoder as <c>minilm</c> and a
/// ham/spam classifier <c>spam</c> trained head-only on the SpamAssassin corpus, each with alias production. Idempotent:
/// a model that has a version is left alone (only a missing alias is set, to its latest version).
/// </summary>
/// <param name="registry">The model registry.</param>
/// <param name="loggerFactory">Logging.</param>
/// <param name="writeBaseEncoder">Writes the base-encoder package into a folder; default <see cref="MiniLmBaseEncoder.WritePackage"/>.</param>
/// <param name="loadDataset">Loads the labelled texts; default the prepared SpamAssassin corpus.</param>
public sealed class QuickStartBuilder(
    BlobModelRegistry registry,
    ILoggerFactory loggerFactory,
    Action<string>? writeBaseEncoder = null,
    Func<IProgress<(int Done, int Total)>?, LabelledDataset>? loadDataset = null)
{
    private readonly Action<string> _writeBaseEncoder = writeBaseEncoder ?? MiniLmBaseEncoder.WritePackage;
    private readonly Func<IProgress<(int Done, int Total)>?, LabelledDataset> _loadDataset = loadDataset ?? (p => SpamAssassinCorpus.Load(progress: p));

    /// <summary>Ensures both models exist; reports stages and percent.</summary>
    public async Task<QuickStartResult> EnsureAsync(QuickStartOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var models = (await registry.ListModelsAsync(cancellationToken)).ToDictionary(m => m.Name, StringComparer.Ordinal);
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "serverless-quickstart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (baseVersion, baseCreated) = await EnsureBaseAsync(options, models.GetValueOrDefault(options.BaseModel), work, progress, cancellationToken);
            if (models.GetValueOrDefault(options.Model) is { Versions.Count: > 0 } existing)
            {
                var version = await EnsureAliasAsync(options.Model, options.Alias, existing, cancellationToken);
                progress?.Report(new TrainingProgress("done", 100, $"{options.Model} version {version} already exists"));
                return new QuickStartResult(baseVersion, baseCreated, version, false, null);
            }

            var training = await TrainAsync(options, baseVersion, work, progress, cancellationToken);
            progress?.Report(new TrainingProgress("publishing", 99, $"publishing {options.Model}"));
            var published = await registry.PublishDirectoryAsync(options.Model, training.PackageDirectory, cancellationToken);
            await registry.SetAliasAsync(options.Model, options.Alias, published.Version, cancellationToken);
            progress?.Report(new TrainingProgress("done", 100, string.Create(CultureInfo.InvariantCulture,
                $"{options.Model} version {published.Version} ({options.Alias}): test accuracy {training.Test.Accuracy:0.0000}, macro-F1 {training.Test.MacroF1:0.0000}")));
            return new QuickStartResult(baseVersion, baseCreated, published.Version, true, training);
        }
        finally
        {
            if (options.WorkDirectory is null && Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private async Task<(string Version, bool Created)> EnsureBaseAsync(
        QuickStartOptions options, ModelSummary? existing, string work, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (existing is { Versions.Count: > 0 })
        {
            return (await EnsureAliasAsync(options.BaseModel, options.Alias, existing, cancellationToken), false);
        }

        progress?.Report(new TrainingProgress("base", 0, $"writing the base encoder package {options.BaseModel}"));
        var directory = Path.Combine(work, options.BaseModel);
        _writeBaseEncoder(directory);
        progress?.Report(new TrainingProgress("base", 1, $"publishing {options.BaseModel}"));
        var published = await registry.PublishDirectoryAsync(options.BaseModel, directory, cancellationToken);
        await registry.SetAliasAsync(options.BaseModel, options.Alias, published.Version, cancellationToken);
        Directory.Delete(directory, recursive: true);
        return (published.Version, true);
    }

    // A model whose alias was never set (an interrupted run) gets it on its latest version.
    private async Task<string> EnsureAliasAsync(string name, string alias, ModelSummary model, CancellationToken cancellationToken)
    {
        if (model.Aliases.TryGetValue(alias, out var version))
        {
            return version;
        }

        var latest = model.Versions.MaxBy(v => int.Parse(v, CultureInfo.InvariantCulture))!;
        await registry.SetAliasAsync(name, alias, latest, cancellationToken);
        return latest;
    }

    private async Task<HeadTrainingResult> TrainAsync(
        QuickStartOptions options, string baseVersion, string work, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new TrainingProgress("data", 2, "preparing the emails"));
        var dataset = await Task.Run(
            () => _loadDataset(new ReportingProgress<(int Done, int Total)>(p => progress?.Report(new TrainingProgress(
                "data", 2 + (3.0 * p.Done / p.Total), string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.Total} emails prepared"))))),
            cancellationToken);
        var splits = DatasetSplitter.Prepare(dataset, options: new SplitOptions(Seed: options.Seed));
        progress?.Report(new TrainingProgress("data", 5, string.Create(CultureInfo.InvariantCulture,
            $"{splits.Train.Count} train / {splits.Validation.Count} validation / {splits.Test.Count} test ({string.Join(", ", dataset.ClassCounts.Select(kv => $"{kv.Key} {kv.Value}"))})")));

        var basePackage = await registry.DownloadAsync(options.BaseModel, baseVersion, cancellationToken);
        var trainer = new HeadOnlyTrainer(loggerFactory);
        // The trainer reports 0–100; here it spans 5–98.
        var scaled = new ReportingProgress<TrainingProgress>(p => progress?.Report(p with { Percent = 5 + (p.Percent * 0.93) }));
        return await trainer.TrainAsync(
            new HeadTrainingJob
            {
                ModelName = options.Model,
                BasePackage = basePackage,
                BaseReference = $"{options.BaseModel}@{baseVersion}",
                Data = splits,
                Options = options.Training,
                SplitSeed = options.Seed,
            },
            Path.Combine(work, options.Model),
            scaled,
            cancellationToken);
    }

    private sealed class ReportingProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
