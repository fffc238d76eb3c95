using System.Diagnostics;
using System.Globalization;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Demo.Email;
using Serverless.Inference;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;
using Serverless.Training.HeadOnly;

namespace Serverless.Benchmarks;

/// <summary>
/// The int8 rows of the engine benchmark, on the same texts, batches and threads: engine fp32 and int8 (bulk texts/s,
/// p50/p95 at concurrency 1), transformers.js q8 on the same package, and the accuracy int8 keeps against fp32 on the
/// quick-start spam test split and on a head-only Fine Food reviews model.
/// </summary>
internal static class Int8Benchmark
{
    private const int SpamMaxLength = 128;

    /// <summary>Measures and prints the int8 rows; <paramref name="peerFp32"/> is the fp32 peer run already measured, if any.</summary>
    public static async Task RunAsync(
        ModelPackage package, IReadOnlyList<string> reviews, IReadOnlyList<string> latencyTexts, PeerRun? peerFp32,
        int batchTexts, int threads, int maxLength, string reviewsCsv, string work, CancellationToken cancellationToken)
    {
        var withInt8 = await AddInt8Async(package, cancellationToken);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var serving = new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = threads, Unpadded = false };
        var unpadded = new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = threads, Unpadded = true };
        var batching = new BatchingOptions { MaxBatchTexts = batchTexts, MaxBatchTokens = batchTexts * maxLength, MaxWaitMilliseconds = 2, MaxQueuedTexts = 4096 };
        var fp32 = await MeasureEngineAsync(withInt8.ForVariant(ModelVariants.Fp32), reviews, latencyTexts, serving, batching, loggers, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine fp32: {fp32.Rate:F1} texts/s"));
        var int8 = await MeasureEngineAsync(withInt8.ForVariant(ModelVariants.Int8), reviews, latencyTexts, serving, batching, loggers, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine int8: {int8.Rate:F1} texts/s"));
        var fp32Unpadded = await MeasureEngineAsync(withInt8.ForVariant(ModelVariants.Fp32), reviews, latencyTexts, unpadded, batching, loggers, cancellationToken);
        var int8Unpadded = await MeasureEngineAsync(withInt8.ForVariant(ModelVariants.Int8), reviews, latencyTexts, unpadded, batching, loggers, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine fp32 unpadded: {fp32Unpadded.Rate:F1} texts/s; int8 unpadded: {int8Unpadded.Rate:F1} texts/s"));

        PeerRun? peerQ8 = null;
        try
        {
            peerQ8 = await TransformersJsPeer.RunAsync(withInt8.Directory, reviews, latencyTexts, batchTexts, threads, work, "q8", cancellationToken);
        }
        catch (PeerUnavailableException ex)
        {
            Console.WriteLine($"transformers.js q8 skipped: {ex.Message}");
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"int8 (DynamicQuantizeMatMul, int8 weights per output column): all-MiniLM-L6-v2 + head, {reviews.Count} Fine Food reviews, max length {maxLength}, batch {batchTexts}, {threads} threads"));
        Console.WriteLine("| path                                     | texts/s | p50 ms (1 text) | p95 ms (1 text) |");
        Console.WriteLine("|------------------------------------------|--------:|----------------:|----------------:|");
        Console.WriteLine(Row("engine fp32 padded, one text per call", fp32.Rate, fp32.Latency));
        Console.WriteLine(Row("engine int8 padded, one text per call", int8.Rate, int8.Latency));
        Console.WriteLine(Row("engine fp32 unpadded, one text per call", fp32Unpadded.Rate, fp32Unpadded.Latency));
        Console.WriteLine(Row("engine int8 unpadded, one text per call", int8Unpadded.Rate, int8Unpadded.Latency));
        if (peerFp32 is not null)
        {
            Console.WriteLine(Row("transformers.js fp32, arrival order", peerFp32.TextsPerSecond, Percentiles([.. peerFp32.LatencyMilliseconds])));
        }

        if (peerQ8 is not null)
        {
            Console.WriteLine(Row("transformers.js q8, arrival order", peerQ8.TextsPerSecond, Percentiles([.. peerQ8.LatencyMilliseconds])));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine int8 / engine fp32: {int8.Rate / fp32.Rate:F2}×; labels agreeing int8 vs fp32: {Agreement(fp32.Labels, int8.Labels):P1}") +
            (peerFp32 is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; engine int8 / transformers.js fp32: {int8.Rate / peerFp32.TextsPerSecond:F2}×")) +
            (peerQ8 is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; engine int8 / transformers.js q8: {int8.Rate / peerQ8.TextsPerSecond:F2}×")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine int8 unpadded / engine fp32 padded: {int8Unpadded.Rate / fp32.Rate:F2}×; int8 unpadded / fp32 unpadded: {int8Unpadded.Rate / fp32Unpadded.Rate:F2}×; labels agreeing int8 unpadded vs fp32: {Agreement(fp32.Labels, int8Unpadded.Labels):P1}") +
            (peerFp32 is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; engine int8 unpadded / transformers.js fp32: {int8Unpadded.Rate / peerFp32.TextsPerSecond:F2}×")));
        await RunAccuracyAsync(reviewsCsv, maxLength, threads, work, cancellationToken);
    }

    /// <summary>
    /// The accuracy rows alone (also the <c>int8-accuracy</c> command): trains the quick-start spam model and a Fine Food
    /// reviews model head-only, and scores each test split with the engine on the fp32 and the int8 graph.
    /// </summary>
    public static async Task RunAccuracyAsync(string reviewsCsv, int maxLength, int threads, string work, CancellationToken cancellationToken)
    {
        var reviewsAccuracy = await ReviewsAccuracyAsync(reviewsCsv, maxLength, threads, work, cancellationToken);
        var spamAccuracy = await SpamAccuracyAsync(threads, work, cancellationToken);
        Console.WriteLine();
        Console.WriteLine("| accuracy, test split                        | texts | fp32 acc | int8 acc | points lost | fp32 macro-F1 | int8 macro-F1 | points lost | validation gate |");
        Console.WriteLine("|---------------------------------------------|------:|---------:|---------:|------------:|--------------:|--------------:|------------:|-----------------|");
        Console.WriteLine(AccuracyRow(string.Create(CultureInfo.InvariantCulture, $"quick-start spam (head-only, cut {SpamMaxLength})"), spamAccuracy));
        Console.WriteLine(AccuracyRow(string.Create(CultureInfo.InvariantCulture, $"Fine Food reviews (head-only, cut {maxLength})"), reviewsAccuracy));
    }

    /// <summary>
    /// Writes the package's int8 variant beside it (speed only: a random head has no accuracy to keep), then every variant's
    /// unpadded graph.
    /// </summary>
    internal static async Task<ModelPackage> AddInt8Async(ModelPackage package, CancellationToken cancellationToken)
    {
        var quantized = DynamicInt8Quantizer.Quantize(package.ForVariant(ModelVariants.Fp32).ReadVerifiedModel());
        File.WriteAllBytes(Path.Combine(package.Directory, PackageFiles.QuantizedModel), quantized.Model);
        ModelPackageWriter.WriteManifest(package.Directory, package.Manifest.Metrics, package.Manifest.Lineage, new Dictionary<string, ManifestVariant>
        {
            [ModelVariants.Int8] = new() { File = PackageFiles.QuantizedModel, Gate = "benchmark: speed only (random head)" },
        });
        await UnpaddedGraphs.AddAsync(package.Directory, NullLogger.Instance, cancellationToken);
        return ModelPackage.Open(package.Directory);
    }

    private static async Task<EngineRun> MeasureEngineAsync(
        ModelPackage package, IReadOnlyList<string> texts, IReadOnlyList<string> latencyTexts, ServingOptions serving, BatchingOptions batching,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await using var engine = await ClassificationEngine.CreateAsync(package, new ModelIdentity("minilm-head", package.Variant), serving, batching, loggers, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var logits = await Task.WhenAll(texts.Select(t => engine.GetLogitsAsync([t], cancellationToken)));
        var rate = texts.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
        var milliseconds = new List<double>(latencyTexts.Count);
        foreach (var text in latencyTexts)
        {
            var one = Stopwatch.GetTimestamp();
            await engine.ClassifyAsync([text], null, cancellationToken);
            milliseconds.Add(Stopwatch.GetElapsedTime(one).TotalMilliseconds);
        }

        return new EngineRun(rate, Percentiles(milliseconds), [.. logits.Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(l[0]))]);
    }

    private static async Task<AccuracyRun> ReviewsAccuracyAsync(string testCsv, int maxLength, int threads, string work, CancellationToken cancellationToken)
    {
        var fields = new DatasetFields("review", "score");
        var trainCsv = Path.Combine(Path.GetDirectoryName(testCsv)!, "fine_foods_training_data.csv");
        var splits = DatasetSplitter.Prepare(DatasetLoader.LoadFile(trainCsv, fields), test: DatasetLoader.LoadFile(testCsv, fields), options: new SplitOptions(Seed: 42));
        Console.WriteLine($"training a head-only reviews model on {splits.Train.Count} reviews…");
        return await TrainAndScoreAsync("reviews", splits, maxLength, threads, work, cancellationToken);
    }

    private static async Task<AccuracyRun> SpamAccuracyAsync(int threads, string work, CancellationToken cancellationToken)
    {
        // The quick start's data, split and cut (QuickStartBuilder: SpamAssassin, seed 42, max length 128).
        var splits = DatasetSplitter.Prepare(SpamAssassinCorpus.Load(), options: new SplitOptions(Seed: 42));
        Console.WriteLine($"training the quick-start spam model (head-only) on {splits.Train.Count} emails…");
        return await TrainAndScoreAsync("spam", splits, SpamMaxLength, threads, work, cancellationToken);
    }

    private static async Task<AccuracyRun> TrainAndScoreAsync(
        string name, DatasetSplits splits, int maxLength, int threads, string work, CancellationToken cancellationToken)
    {
        var baseDirectory = Path.Combine(work, name + "-base");
        if (!Directory.Exists(baseDirectory))
        {
            MiniLmBaseEncoder.WritePackage(baseDirectory);
        }

        var output = Path.Combine(work, name + "-model");
        var result = await new HeadOnlyTrainer(NullLoggerFactory.Instance).TrainAsync(
            new HeadTrainingJob
            {
                ModelName = name,
                BasePackage = ModelPackage.Open(baseDirectory),
                BaseReference = "minilm",
                Data = splits,
                Options = new HeadTrainingOptions { MaxLength = maxLength, IntraOpThreads = threads },
                SplitSeed = 42,
            },
            output, progress: null, cancellationToken);
        var gate = result.Manifest.Variants![ModelVariants.Int8];

        // The test split, scored by the engine on both graphs (the int8 one made again if the validation gate dropped it).
        var predictions = await Int8Variant.PredictAsync(output, [.. splits.Test.Select(e => e.Text)], result.Manifest.Metrics, result.Manifest.Lineage,
            NullLoggerFactory.Instance, cancellationToken);
        var labels = splits.Labels;
        var gold = splits.Test.Select(e => labels.ToList().IndexOf(e.Label)).ToArray();
        return new AccuracyRun(
            splits.Test.Count,
            ClassificationMetrics.Compute(labels, gold, predictions.Fp32),
            ClassificationMetrics.Compute(labels, gold, predictions.Int8),
            gate.Dropped is null ? "kept" : "dropped: " + gate.Dropped);
    }

    private static double Agreement(IReadOnlyList<int> a, IReadOnlyList<int> b) => a.Zip(b).Count(p => p.First == p.Second) / (double)a.Count;

    private static (double P50, double P95) Percentiles(List<double> milliseconds)
    {
        milliseconds.Sort();
        return (milliseconds[(int)Math.Ceiling(0.5 * milliseconds.Count) - 1], milliseconds[(int)Math.Ceiling(0.95 * milliseconds.Count) - 1]);
    }

    private static string Row(string path, double rate, (double P50, double P95) latency) =>
        string.Create(CultureInfo.InvariantCulture, $"| {path,-40} | {rate,7:F1} | {latency.P50,15:F1} | {latency.P95,15:F1} |");

    private static string AccuracyRow(string what, AccuracyRun run) => string.Create(CultureInfo.InvariantCulture,
        $"| {what,-43} | {run.Texts,5} | {run.Fp32.Accuracy,8:P2} | {run.Int8.Accuracy,8:P2} | {100 * (run.Fp32.Accuracy - run.Int8.Accuracy),11:F2} | {run.Fp32.MacroF1,13:F4} | {run.Int8.MacroF1,13:F4} | {100 * (run.Fp32.MacroF1 - run.Int8.MacroF1),11:F2} | {run.Gate} |");

    private sealed record EngineRun(double Rate, (double P50, double P95) Latency, IReadOnlyList<int> Labels);

    private sealed record AccuracyRun(int Texts, ClassificationReport Fp32, ClassificationReport Int8, string Gate);
}
