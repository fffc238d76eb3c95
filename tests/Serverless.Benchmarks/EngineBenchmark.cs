using System.Diagnostics;
using System.Globalization;

using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Benchmarks;

/// <summary>
/// Throughput and latency of the serving engine next to raw ONNX Runtime and transformers.js, on all-MiniLM-L6-v2 with a
/// fixed random classification head and real review texts: max length 256, batches of 32, 2 intra-op threads.
/// </summary>
internal static class EngineBenchmark
{
    private const int MaxLength = 256;
    private const int BatchTexts = 32;
    private const int Threads = 2;
    private const int LatencySamples = 100;
    private static readonly string[] s_labels = ["great", "other"];
    private static readonly string[] s_inputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] s_outputNames = ["logits"];

    public static async Task<int> RunAsync(string csvPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(csvPath))
        {
            await Console.Error.WriteLineAsync($"Reviews not found at {csvPath}: pass the path of fine_foods_testing_data.csv.");
            return 1;
        }

        var reviews = ReviewsCsv.ReadColumn(csvPath, "review");
        var root = Directory.CreateTempSubdirectory("engine-benchmark-");
        try
        {
            Console.WriteLine($"{reviews.Count} reviews from {csvPath}; building all-MiniLM-L6-v2 + random head…");
            var package = BuildPackage(root.FullName);
            var tokenizer = BertTextTokenizer.Create(package);
            var lengths = reviews.Select(r => tokenizer.Tokenize(r, MaxLength).Length).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Tokens per review: mean {lengths.Average():F1}, max {lengths.Max()} (cut at {MaxLength}); {lengths.Count(l => l == MaxLength)} truncated."));

            using var raw = CreateRawSession(package.ModelPath);
            var (rawSeconds, rawPadding, rawLogits) = RunRawArrivalOrder(raw, tokenizer, reviews);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw ONNX Runtime: {rawSeconds:F1} s"));

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
            await using var engine = await ClassificationEngine.CreateAsync(
                package, new ModelIdentity("minilm-head", "1"),
                new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = Threads },
                new BatchingOptions { MaxBatchTexts = BatchTexts, MaxBatchTokens = BatchTexts * MaxLength, MaxWaitMilliseconds = 2, MaxQueuedTexts = 4096 },
                loggers, cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var engineLogits = await Task.WhenAll(reviews.Select(r => engine.GetLogitsAsync([r], cancellationToken)));
            var engineSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var enginePadding = engine.Statistics.PaddingShare;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine: {engineSeconds:F1} s"));

            var maxDifference = 0f;
            for (var i = 0; i < reviews.Count; i++)
            {
                for (var j = 0; j < s_labels.Length; j++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(engineLogits[i][0][j] - rawLogits[i][j]));
                }
            }

            var samples = Enumerable.Range(0, LatencySamples).Select(i => reviews[i * reviews.Count / LatencySamples]).ToArray();
            var rawLatency = await MeasureAsync(samples, text =>
            {
                RunRaw(raw, BatchEncoder.Pad([tokenizer.Tokenize(text, MaxLength)], tokenizer.PadId));
                return Task.CompletedTask;
            });
            var engineLatency = await MeasureAsync(samples, text => engine.ClassifyAsync([text], null, cancellationToken));

            PeerRun? peer = null;
            try
            {
                peer = await TransformersJsPeer.RunAsync(package.Directory, reviews, samples, BatchTexts, Threads, root.FullName, cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"transformers.js: {peer.Seconds:F1} s"));
            }
            catch (PeerUnavailableException ex)
            {
                Console.WriteLine($"transformers.js skipped: {ex.Message}");
            }

            var rawRate = reviews.Count / rawSeconds;
            var engineRate = reviews.Count / engineSeconds;
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"all-MiniLM-L6-v2 + head, {reviews.Count} Fine Food reviews, max length {MaxLength}, batch {BatchTexts}, {Threads} threads, device {engine.Device}"));
            Console.WriteLine("| path                                     | texts/s | padding | p50 ms (1 text) | p95 ms (1 text) |");
            Console.WriteLine("|------------------------------------------|--------:|--------:|----------------:|----------------:|");
            Console.WriteLine(Row("raw ONNX Runtime, arrival-order batches", rawRate, rawPadding, rawLatency));
            Console.WriteLine(Row("engine, all texts submitted at once", engineRate, enginePadding, engineLatency));
            if (peer is not null)
            {
                Console.WriteLine(Row("transformers.js, arrival-order batches", peer.TextsPerSecond, peer.Padding, Percentiles([.. peer.LatencyMilliseconds])));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"engine / raw throughput: {engineRate / rawRate:F2}×; largest logit difference engine vs raw: {maxDifference:G3}"));
            if (peer is not null)
            {
                var agreeing = peer.Labels.Where((label, i) => label == s_labels[ArgMax(engineLogits[i][0])]).Count();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"engine / transformers.js throughput: {engineRate / peer.TextsPerSecond:F2}×; labels agreeing with the engine: {(double)agreeing / reviews.Count:P1}"));
            }

            await Int8Benchmark.RunAsync(package, reviews, samples, peer, BatchTexts, Threads, MaxLength, csvPath, root.FullName, cancellationToken);
            return 0;
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static ModelPackage BuildPackage(string root)
    {
        var encoderDirectory = Path.Combine(root, "minilm");
        MiniLmBaseEncoder.WritePackage(encoderDirectory);
        var encoder = ModelPackage.Open(encoderDirectory);

        // A fixed random head: the benchmark measures speed, not accuracy.
        var random = new Random(42);
        var hidden = encoder.Config.HiddenSize;
        var weight = Enumerable.Range(0, s_labels.Length * hidden).Select(_ => (float)((random.NextDouble() * 2) - 1) * 0.1f).ToArray();
        var bias = new float[s_labels.Length];
        var model = ClassifierHead.Append(File.ReadAllBytes(encoder.ModelPath), "mean", weight, bias, s_labels.Length);

        // transformers.js' layout (the model under onnx/), which packages may use too: the engine and the peer read one folder.
        var directory = Path.Combine(root, "classifier");
        Directory.CreateDirectory(Path.Combine(directory, "onnx"));
        File.WriteAllBytes(Path.Combine(directory, "onnx", PackageFiles.Model), model);
        ModelPackageWriter.WriteTokenizer(directory, File.ReadAllLines(encoder.VocabPath), encoder.TokenizerConfig with { ModelMaxLength = MaxLength });
        ModelPackageWriter.WriteConfig(directory, encoder.Config.WithLabels(s_labels) with { Pooling = "mean" });
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);
        return ModelPackage.Open(directory);
    }

    private static (double Seconds, double Padding, float[][] Logits) RunRawArrivalOrder(
        InferenceSession session, BertTextTokenizer tokenizer, IReadOnlyList<string> reviews)
    {
        RunRaw(session, BatchEncoder.Pad([tokenizer.Tokenize("warm up", MaxLength)], tokenizer.PadId));
        var logits = new List<float[]>(reviews.Count);
        long real = 0, padded = 0;
        var started = Stopwatch.GetTimestamp();
        foreach (var chunk in reviews.Chunk(BatchTexts))
        {
            var batch = BatchEncoder.Pad([.. chunk.Select(r => tokenizer.Tokenize(r, MaxLength))], tokenizer.PadId);
            real += batch.AttentionMask.Sum();
            padded += batch.ElementCount;
            var output = RunRaw(session, batch);
            logits.AddRange(output.Chunk(s_labels.Length));
        }

        return (Stopwatch.GetElapsedTime(started).TotalSeconds, 1.0 - ((double)real / padded), [.. logits]);
    }

    /// <summary>ONNX Runtime as a caller would use it without the engine: one Run per batch, OrtValue inputs.</summary>
    private static float[] RunRaw(InferenceSession session, EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, s_inputNames, [ids, mask, types], s_outputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static async Task<(double P50, double P95)> MeasureAsync(IReadOnlyList<string> texts, Func<string, Task> classify)
    {
        var milliseconds = new List<double>(texts.Count);
        foreach (var text in texts)
        {
            var started = Stopwatch.GetTimestamp();
            await classify(text);
            milliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Percentiles(milliseconds);
    }

    private static (double P50, double P95) Percentiles(List<double> milliseconds)
    {
        milliseconds.Sort();
        return (Percentile(milliseconds, 0.50), Percentile(milliseconds, 0.95));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static string Row(string path, double rate, double padding, (double P50, double P95) latency) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {path,-40} | {rate,7:F1} | {padding,7:P1} | {latency.P50,15:F1} | {latency.P95,15:F1} |");

    private static InferenceSession CreateRawSession(string modelPath)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        return new InferenceSession(modelPath, options);
    }
}
