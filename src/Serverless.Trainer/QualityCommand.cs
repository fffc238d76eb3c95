using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

using Serverless.Onnx;
using Serverless.Packages;
using Serverless.Training.Data;
using Serverless.Training.Email;
using Serverless.Training;
using Serverless.Training.FineTuning;
using Serverless.Training.HeadOnly;

namespace Serverless.Trainer;

/// <summary>
/// <c>quality</c>: the fine-tuning quality benchmark (minutes, not a CI test). Fine-tunes MiniLM fully and trains a
/// head-only model on the same splits of (1) the SpamAssassin corpus prepared as the quick start prepares it, stratified
/// 80/10/10 with seed 42, and (2) the Amazon Fine Food reviews with their own train and test files; prints test metrics,
/// wall times and parity, writes quality.json, and exits 1 when a target is missed: SpamAssassin macro-F1 ≥ 0.97 and
/// above head-only; Fine Food accuracy ≥ 0.84 and ≥ 5 points above head-only.
/// Options: <c>--work &lt;folder&gt;</c>, <c>--datasets spam,food</c>, <c>--epochs N</c>, <c>--max-length N</c>,
/// <c>--learning-rate X</c>, <c>--food-data &lt;folder&gt;</c>.
/// </summary>
internal static class QualityCommand
{
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

        var results = new JsonObject();
        var passed = true;
        foreach (var name in datasets)
        {
            var folder = Path.Combine(work, name);
            Directory.CreateDirectory(folder);
            TrainingJob job;
            LabelledDataset train;
            LabelledDataset? test = null;
            if (name == "spam")
            {
                train = SpamAssassinCorpus.Load();
                await File.WriteAllLinesAsync(Path.Combine(folder, "train.jsonl"),
                    train.Examples.Select(e => JsonSerializer.Serialize(new { text = e.Text, label = e.Label })), cancellationToken);
                job = new TrainingJob { Dataset = "train.jsonl" };
            }
            else if (name == "food")
            {
                var data = options.GetValueOrDefault("food-data") ?? FindFoodData();
                var fields = new DatasetFields("review", "score");
                File.Copy(Path.Combine(data, "fine_foods_training_data.csv"), Path.Combine(folder, "train.csv"), overwrite: true);
                File.Copy(Path.Combine(data, "fine_foods_testing_data.csv"), Path.Combine(folder, "test.csv"), overwrite: true);
                train = DatasetLoader.LoadFile(Path.Combine(folder, "train.csv"), fields);
                test = DatasetLoader.LoadFile(Path.Combine(folder, "test.csv"), fields);
                job = new TrainingJob { Dataset = "train.csv", TestDataset = "test.csv", TextField = "review", LabelField = "score" };
            }
            else
            {
                await Console.Error.WriteLineAsync($"Unknown dataset '{name}': use spam and/or food.");
                return 2;
            }

            // Defaults per dataset are the settings that met the targets here: the short spam task needs 2 epochs, the
            // reviews 3 at a slightly higher rate.
            var epochs = int.Parse(options.GetValueOrDefault("epochs") ?? (name == "spam" ? "2" : "3"), CultureInfo.InvariantCulture);
            var learningRate = double.Parse(options.GetValueOrDefault("learning-rate") ?? (name == "spam" ? "6e-5" : "8e-5"), CultureInfo.InvariantCulture);
            var maxLength = int.Parse(options.GetValueOrDefault("max-length") ?? "128", CultureInfo.InvariantCulture);
            job = job with
            {
                RunId = "quality-" + name,
                Model = name,
                Base = basePackage,
                Hyperparameters = new TrainingHyperparameters { Epochs = epochs, LearningRate = learningRate, MaxLength = maxLength, Seed = 42, EarlyStoppingPatience = 0 },
            };
            var jobPath = Path.Combine(folder, "job.json");
            await File.WriteAllTextAsync(jobPath, JsonSerializer.Serialize(job, TrainingJob.JsonOptions), cancellationToken);

            // Head-only on exactly the splits the full run draws (same data, seed and fractions).
            var splits = DatasetSplitter.Prepare(train, null, test, new SplitOptions(Seed: 42));
            var headDirectory = Path.Combine(folder, "head-only");
            if (Directory.Exists(headDirectory))
            {
                Directory.Delete(headDirectory, recursive: true);
            }

            Console.WriteLine($"== {name}: head-only on {splits.Train.Count}/{splits.Validation.Count}/{splits.Test.Count} train/validation/test");
            var head = await new HeadOnlyTrainer(loggerFactory).TrainAsync(new HeadTrainingJob
            {
                ModelName = name,
                BasePackage = ModelPackage.Open(basePackage),
                BaseReference = "minilm",
                Data = splits,
                Options = new HeadTrainingOptions { MaxLength = maxLength },
                SplitSeed = 42,
            }, headDirectory, null, cancellationToken);

            Console.WriteLine($"== {name}: full fine-tuning, {epochs} epochs, max length {maxLength}, learning rate {learningRate}");
            var stopwatch = Stopwatch.StartNew();
            var work2 = Path.Combine(folder, "work");
            if (Directory.Exists(work2))
            {
                Directory.Delete(work2, recursive: true);
            }

            var status = await new FineTuningRun(new LocalTrainingRunStore(jobPath, work2),
                new FineTuningRunOptions { WorkDirectory = work2, Device = "auto" }, loggerFactory).RunAsync(new StepPrinter(stopwatch), cancellationToken);
            var wall = stopwatch.Elapsed.TotalSeconds;
            if (status.Status != TrainingRunOutcome.Succeeded)
            {
                await Console.Error.WriteLineAsync($"{name}: the fine-tuning run failed: {status.Error}");
                return 1;
            }

            var accuracy = status.Metrics!["accuracy"]!.GetValue<double>();
            var macroF1 = status.Metrics["macro_f1"]!.GetValue<double>();
            var target = name == "spam"
                ? macroF1 >= 0.97 && macroF1 > head.Test.MacroF1
                : accuracy >= 0.84 && accuracy >= head.Test.Accuracy + 0.05;
            passed &= target;
            results[name] = new JsonObject
            {
                ["full"] = new JsonObject
                {
                    ["accuracy"] = accuracy,
                    ["macro_f1"] = macroF1,
                    ["wall_seconds"] = Math.Round(wall),
                    ["training_seconds"] = status.Metrics["training_seconds"]?.DeepClone(),
                    ["parity"] = status.Metrics["parity"]?.DeepClone(),
                    ["device"] = status.Device,
                },
                ["head_only"] = new JsonObject
                {
                    ["accuracy"] = head.Test.Accuracy,
                    ["macro_f1"] = head.Test.MacroF1,
                    ["wall_seconds"] = Math.Round(head.Elapsed.TotalSeconds),
                },
                ["target_met"] = target,
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: full accuracy {accuracy:F4} macro-F1 {macroF1:F4} ({wall:F0} s) | head-only accuracy {head.Test.Accuracy:F4} macro-F1 {head.Test.MacroF1:F4} ({head.Elapsed.TotalSeconds:F0} s) | parity {status.Metrics["parity"]!.ToJsonString()} | target {(target ? "met" : "MISSED")}"));
        }

        await File.WriteAllTextAsync(Path.Combine(work, "quality.json"), results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        Console.WriteLine($"Results in {Path.Combine(work, "quality.json")}");
        return passed ? 0 : 1;
    }

    /// <summary>Prints a line every 50 steps with the elapsed time, so a long CPU run shows its pace.</summary>
    private sealed class StepPrinter(Stopwatch stopwatch) : IProgress<FineTuningProgress>
    {
        public void Report(FineTuningProgress value)
        {
            if (value.Step % 50 == 0 && value.ValidationMacroF1 is null || value.Step == 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {value.Epoch}/{value.Epochs} step {value.Step}/{value.Steps} loss {value.Loss:F4} ({stopwatch.Elapsed.TotalSeconds:F0} s)"));
            }
        }
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
