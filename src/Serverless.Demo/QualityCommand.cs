using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

using Serverless.Cli;
using Serverless.Demo.Email;
using Serverless.Onnx;
using Serverless.Packages;
using Serverless.Training;
using Serverless.Training.Evaluation;
using Serverless.Training.FineTuning;

namespace Serverless.Demo;

/// <summary>
/// <c>quality</c>: the fine-tuning quality benchmark (minutes to hours on a CPU, not a CI test). Trains, as
/// <c>POST /api/training</c> would with every hyperparameter left to its default (mode auto: head-only, then full
/// fine-tuning, the better on validation kept), on (1) the SpamAssassin corpus prepared as the quick start prepares it,
/// with stratified splits drawn with the default seed, and (2) the Amazon Fine Food reviews with their own train and test
/// files; prints the kept mode, the chosen settings and the test metrics of the kept model next to head-only's, writes
/// quality.json, and exits 1 when a target is missed: SpamAssassin macro-F1 ≥ 0.975, Fine Food accuracy ≥ 0.85.
/// Options: <c>--work &lt;folder&gt;</c>, <c>--datasets spam,food</c>, <c>--corpus &lt;folder&gt;</c>, <c>--food-data
/// &lt;folder&gt;</c>, and <c>--mode</c>, <c>--epochs N</c>, <c>--max-length N</c>, <c>--learning-rate X</c>,
/// <c>--trials N</c> to override a default.
/// </summary>
internal static class QualityCommand
{
    private static readonly Dictionary<string, (string Metric, double Target)> Targets = new(StringComparer.Ordinal)
    {
        ["spam"] = (TrainingGate.MacroF1Metric, 0.975),
        ["food"] = (TrainingGate.AccuracyMetric, 0.85),
    };

    /// <summary>The <c>quality</c> command.</summary>
    public static Command Create()
    {
        var work = new Option<DirectoryInfo>("--work")
        {
            Description = "Folder for the base package, the datasets' runs and quality.json [default: {temp}/serverless-quality].",
            HelpName = "folder",
        };
        var datasets = new Option<string>("--datasets")
        {
            Description = "Comma-separated datasets to train on: spam (SpamAssassin), food (Amazon Fine Food reviews).",
            HelpName = "spam,food",
            DefaultValueFactory = _ => string.Join(',', Targets.Keys),
        };
        datasets.Validators.Add(result =>
        {
            var names = DatasetNames(result.GetValueOrDefault<string>() ?? "");
            if (names.Length == 0 || names.Any(n => !Targets.ContainsKey(n)))
            {
                result.AddError($"Option '--datasets' takes {string.Join(" and/or ", Targets.Keys)}, comma-separated.");
            }
        });
        var corpus = CorpusOption.Create();
        var foodData = new Option<DirectoryInfo>("--food-data")
        {
            Description = "Folder with fine_foods_training_data.csv and fine_foods_testing_data.csv [default: shared/data or data above the program].",
            HelpName = "folder",
        }.AcceptExistingOnly();
        var mode = new Option<string>("--mode")
        {
            Description = "Training mode instead of the request's default (auto).",
        }.AcceptOnlyFromAmong(TrainingHyperparameters.AutoMode, TrainingHyperparameters.HeadMode, TrainingHyperparameters.FullMode);
        var epochs = new Option<int?>("--epochs") { Description = "Epochs instead of the request's default.", HelpName = "N" };
        var maxLength = new Option<int?>("--max-length") { Description = "Token cut instead of the chosen one.", HelpName = "N" };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate instead of the searched one.", HelpName = "X" };
        var trials = new Option<int?>("--trials") { Description = "Learning-rate trials instead of the default.", HelpName = "N" };

        var command = new Command("quality", "Fine-tuning quality benchmark (SpamAssassin, Fine Food) against head-only training; takes long on a CPU.")
        {
            work, datasets, corpus, foodData, mode, epochs, maxLength, learningRate, trials,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            // Every hyperparameter stays at the request's default unless an option overrides it.
            var defaults = new TrainingHyperparameters();
            var hyperparameters = defaults with
            {
                Mode = parsed.GetValue(mode) ?? defaults.Mode,
                Epochs = parsed.GetValue(epochs) ?? defaults.Epochs,
                MaxLength = parsed.GetValue(maxLength),
                LearningRate = parsed.GetValue(learningRate),
                Trials = parsed.GetValue(trials),
            };
            return RunAsync(
                parsed.GetValue(work)?.FullName ?? Path.Combine(Path.GetTempPath(), "serverless-quality"),
                DatasetNames(parsed.GetRequiredValue(datasets)),
                parsed.GetValue(corpus)?.FullName,
                parsed.GetValue(foodData)?.FullName,
                hyperparameters,
                parsed.InvocationConfiguration.Output,
                parsed.InvocationConfiguration.Error,
                cancellationToken);
        });
        return command;
    }

    private static string[] DatasetNames(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<int> RunAsync(
        string work,
        string[] datasets,
        string? corpus,
        string? foodData,
        TrainingHyperparameters hyperparameters,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Serverless.Inference", LogLevel.Warning));

        var basePackage = Path.Combine(work, "base");
        if (!File.Exists(Path.Combine(basePackage, PackageFiles.Manifest)))
        {
            MiniLmBaseEncoder.WritePackage(basePackage);
        }

        var results = new JsonObject();
        var passed = true;
        foreach (var name in datasets)
        {
            var folder = Path.Combine(work, name);
            Directory.CreateDirectory(folder);
            TrainingJob job;
            if (name == "spam")
            {
                var train = SpamAssassinCorpus.Load(corpus);
                await File.WriteAllLinesAsync(Path.Combine(folder, "train.jsonl"),
                    train.Examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })), cancellationToken);
                job = new TrainingJob { Dataset = "train.jsonl" };
            }
            else if (name == "food")
            {
                var data = foodData ?? FindFoodData();
                File.Copy(Path.Combine(data, "fine_foods_training_data.csv"), Path.Combine(folder, "train.csv"), overwrite: true);
                File.Copy(Path.Combine(data, "fine_foods_testing_data.csv"), Path.Combine(folder, "test.csv"), overwrite: true);
                job = new TrainingJob { Dataset = "train.csv", TestDataset = "test.csv", TextField = "review", LabelField = "score" };
            }
            else
            {
                throw new InvalidOperationException($"Dataset '{name}' passed the command line's check but has no preparation.");
            }

            var (metric, target) = Targets[name];
            job = job with { RunId = "quality-" + name, Model = name, Base = basePackage, Hyperparameters = hyperparameters };
            var jobPath = Path.Combine(folder, "job.json");
            await File.WriteAllTextAsync(jobPath, JsonSerializer.Serialize(job, TrainingJob.JsonOptions), cancellationToken);

            await output.WriteLineAsync($"== {name}: mode {hyperparameters.Mode}, target test {metric} ≥ {target.ToString(CultureInfo.InvariantCulture)}");
            var progress = ConsoleProgress.For(output);
            var work2 = Path.Combine(folder, "work");
            if (Directory.Exists(work2))
            {
                Directory.Delete(work2, recursive: true);
            }

            var status = await new FineTuningRun(new LocalTrainingRunStore(jobPath, work2),
                new FineTuningRunOptions { WorkDirectory = work2, Device = "auto" }, loggerFactory).RunAsync(progress, cancellationToken);
            progress.Finish();
            var wall = progress.Elapsed.TotalSeconds;
            if (status.Status != TrainingRunOutcome.Succeeded)
            {
                await error.WriteLineAsync($"{name}: the training run failed: {status.Error}");
                return 1;
            }

            var metrics = status.Metrics!;
            var value = metrics[metric]!.GetValue<double>();
            var met = value >= target;
            passed &= met;
            var selection = metrics["selection"];
            results[name] = new JsonObject
            {
                ["kept"] = selection?["kept"]?.DeepClone() ?? hyperparameters.Mode,
                ["reason"] = selection?["reason"]?.DeepClone(),
                ["test"] = new JsonObject { ["accuracy"] = metrics["accuracy"]!.DeepClone(), ["macro_f1"] = metrics["macro_f1"]!.DeepClone() },
                // The same test split served with "long": "windows" (null when no test text is longer than the cut).
                ["test_windows"] = metrics["evaluation"]?["candidateWindows"]?.DeepClone(),
                ["head_only"] = selection?["head"]?.DeepClone(),
                ["full"] = selection?["full"]?.DeepClone(),
                ["choices"] = JsonSerializer.SerializeToNode(status.Choices, TrainingJob.JsonOptions),
                [DecisionOffsets.MetricsKey] = metrics[DecisionOffsets.MetricsKey]?.DeepClone(),
                ["parity"] = metrics["parity"]?.DeepClone(),
                ["device"] = status.Device,
                ["wall_seconds"] = Math.Round(wall),
                ["target"] = target,
                ["target_met"] = met,
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{name}: kept {selection?["kept"]} ({selection?["reason"]}); test accuracy {metrics["accuracy"]} macro-F1 {metrics["macro_f1"]} in {wall:F0} s; head-only {selection?["head"]?["test"]?.ToJsonString()}; target {(met ? "met" : "MISSED")}"));
        }

        await File.WriteAllTextAsync(Path.Combine(work, "quality.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        await output.WriteLineAsync($"Results in {Path.Combine(work, "quality.json")}");
        return passed ? 0 : 1;
    }

    private static string FindFoodData()
    {
        // The shared data folder sits beside (or above) the repository.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(directory.FullName, "shared", "data"), Path.Combine(directory.FullName, "data") })
            {
                if (File.Exists(Path.Combine(candidate, "fine_foods_training_data.csv")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("The Fine Food reviews (fine_foods_training_data.csv) were not found above the demo program; pass --food-data <folder>.");
    }
}
