using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

using Serverless.Onnx;
using Serverless.Packages;
using Serverless.Training.Data;
using Serverless.Training.Email;
using Serverless.Training.Evaluation;
using Serverless.Training;
using Serverless.Training.FineTuning;
using Serverless.Training.HeadOnly;

namespace Serverless.Trainer;

/// <summary>
/// <c>quality</c>: the fine-tuning quality benchmark (minutes to hours on a CPU, not a CI test). Trains, as
/// <c>POST /api/training</c> would with every hyperparameter left to its default (mode auto: head-only, then full
/// fine-tuning, the better on validation kept), on (1) the SpamAssassin corpus prepared as the quick start prepares it,
/// with stratified splits drawn with the default seed, and (2) the Amazon Fine Food reviews with their own train and test
/// files; prints the kept mode, the chosen settings and the test metrics of the kept model next to head-only's, writes
/// quality.json, and exits 1 when a target is missed: SpamAssassin macro-F1 ≥ 0.975, Fine Food accuracy ≥ 0.85.
/// Options: <c>--work &lt;folder&gt;</c>, <c>--datasets spam,food</c>, <c>--food-data &lt;folder&gt;</c>, and
/// <c>--mode</c>, <c>--epochs N</c>, <c>--max-length N</c>, <c>--learning-rate X</c>, <c>--trials N</c> to override a default.
/// </summary>
internal static class QualityCommand
{
    private static readonly Dictionary<string, (string Metric, double Target)> Targets = new(StringComparer.Ordinal)
    {
        ["spam"] = (TrainingGate.MacroF1Metric, 0.975),
        ["food"] = (TrainingGate.AccuracyMetric, 0.85),
    };

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        var work = Path.GetFullPath(options.GetValueOrDefault("work") ?? Path.Combine(Path.GetTempPath(), "serverless-quality"));
        var datasets = (options.GetValueOrDefault("datasets") ?? "spam,food").Split(',', StringSplitOptions.RemoveEmptyEntries);
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Serverless.Inference", LogLevel.Warning));

        var basePackage = Path.Combine(work, "base");
        if (!File.Exists(Path.Combine(basePackage, PackageFiles.Manifest)))
        {
            MiniLmBaseEncoder.WritePackage(basePackage);
        }

        // Every hyperparameter stays at the request's default unless an option overrides it.
        double? Number(string name) => options.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : null;
        var defaults = new TrainingHyperparameters();
        var hyperparameters = defaults with
        {
            Mode = options.GetValueOrDefault("mode") ?? defaults.Mode,
            Epochs = (int?)Number("epochs") ?? defaults.Epochs,
            MaxLength = (int?)Number("max-length"),
            LearningRate = Number("learning-rate"),
            Trials = (int?)Number("trials"),
        };

        var results = new JsonObject();
        var passed = true;
        foreach (var name in datasets)
        {
            var folder = Path.Combine(work, name);
            Directory.CreateDirectory(folder);
            TrainingJob job;
            if (name == "spam")
            {
                var train = SpamAssassinCorpus.Load();
                await File.WriteAllLinesAsync(Path.Combine(folder, "train.jsonl"),
                    train.Examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })), cancellationToken);
                job = new TrainingJob { Dataset = "train.jsonl" };
            }
            else if (name == "food")
            {
                var data = options.GetValueOrDefault("food-data") ?? FindFoodData();
                File.Copy(Path.Combine(data, "fine_foods_training_data.csv"), Path.Combine(folder, "train.csv"), overwrite: true);
                File.Copy(Path.Combine(data, "fine_foods_testing_data.csv"), Path.Combine(folder, "test.csv"), overwrite: true);
                job = new TrainingJob { Dataset = "train.csv", TestDataset = "test.csv", TextField = "review", LabelField = "score" };
            }
            else
            {
                await Console.Error.WriteLineAsync($"Unknown dataset '{name}': use spam and/or food.");
                return 2;
            }

            var (metric, target) = Targets[name];
            job = job with { RunId = "quality-" + name, Model = name, Base = basePackage, Hyperparameters = hyperparameters };
            var jobPath = Path.Combine(folder, "job.json");
            await File.WriteAllTextAsync(jobPath, JsonSerializer.Serialize(job, TrainingJob.JsonOptions), cancellationToken);

            Console.WriteLine($"== {name}: mode {hyperparameters.Mode}, target test {metric} ≥ {target.ToString(CultureInfo.InvariantCulture)}");
            var progress = ConsoleProgress.ForConsole();
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
                await Console.Error.WriteLineAsync($"{name}: the training run failed: {status.Error}");
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
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: kept {selection?["kept"]} ({selection?["reason"]}); test accuracy {metrics["accuracy"]} macro-F1 {metrics["macro_f1"]} in {wall:F0} s; head-only {selection?["head"]?["test"]?.ToJsonString()}; target {(met ? "met" : "MISSED")}"));
        }

        await File.WriteAllTextAsync(Path.Combine(work, "quality.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        Console.WriteLine($"Results in {Path.Combine(work, "quality.json")}");
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

        throw new DirectoryNotFoundException("The Fine Food reviews (fine_foods_training_data.csv) were not found above the trainer; pass --food-data <folder>.");
    }
}
