using System.Diagnostics;
using System.Globalization;
using System.Runtime;

using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;

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

    private const int ConcurrentCallers = 32;
    private const string Model = "MiniLM + head, 256";
    private const string EngineBulk = "engine fp32 padded, bulk";
    private const string EngineUnpaddedBulk = "engine fp32 unpadded, bulk";

    /// <summary>The accuracy int8 keeps against fp32 (the engine benchmark's last table), alone.</summary>
    public static Task<int> RunInt8AccuracyAsync(string csvPath, CancellationToken cancellationToken) =>
        InWorkDirectoryAsync(csvPath, "int8-accuracy", work => Int8Benchmark.RunAccuracyAsync(csvPath, MaxLength, Threads, work, cancellationToken));

    public static Task<int> RunAsync(string csvPath, CancellationToken cancellationToken) =>
        InWorkDirectoryAsync(csvPath, "engine-benchmark", async work =>
        {
            var reviews = ReviewsCsv.ReadColumn(csvPath, "review");
            Console.WriteLine($"{reviews.Count} reviews from {csvPath}; building all-MiniLM-L6-v2 + random head…");
            var package = BuildPackage(work);
            var tokenizer = BertTextTokenizer.Create(package);
            var lengths = reviews.Select(r => tokenizer.Tokenize(r, MaxLength).Length).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Tokens per review: mean {lengths.Average():F1}, max {lengths.Max()} (cut at {MaxLength}); {lengths.Count(l => l == MaxLength)} truncated."));

            var table = new BenchmarkTable(EngineBulk);
            var samples = Enumerable.Range(0, LatencySamples).Select(i => reviews[i * reviews.Count / LatencySamples]).ToArray();
            double rawSeconds, rawPadding;
            float[][] rawLogits;
            using (var raw = CreateRawSession(package.ModelPath))
            {
                (rawSeconds, rawPadding, rawLogits) = RunRawArrivalOrder(raw, tokenizer, reviews);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw ONNX Runtime: {rawSeconds:F1} s"));
            }

            // The raw session and the package's build leave memory behind that is not the engine's.
            CollectGarbage();
            table.Add(new BenchmarkRow("memory: before the engine loads", Model, ResidentMegabytes: ResidentMegabytes()));

            var (engineLogits, rawLatency) = await MeasureEngineAsync(table, package, tokenizer, reviews, samples, rawLogits, cancellationToken);
            await MeasureUnpaddedAsync(table, package, reviews, samples, engineLogits, cancellationToken);
            table.Insert(0, new BenchmarkRow("raw ORT, arrival-order batches", Model, reviews.Count / rawSeconds, rawPadding, rawLatency.P50, rawLatency.P95));

            PeerRun? peer = null;
            try
            {
                peer = await TransformersJsPeer.RunAsync(package.Directory, reviews, samples, BatchTexts, Threads, work, cancellationToken);
                table.Add(new BenchmarkRow("transformers.js fp32, arrival-order batches", Model, peer.TextsPerSecond, peer.Padding,
                    Percentile([.. peer.LatencyMilliseconds], 0.50), Percentile([.. peer.LatencyMilliseconds], 0.95)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"transformers.js: {peer.Seconds:F1} s"));
            }
            catch (PeerUnavailableException ex)
            {
                Console.WriteLine($"transformers.js skipped: {ex.Message}");
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"all-MiniLM-L6-v2 + head, {reviews.Count} Fine Food reviews, max length {MaxLength}, batch {BatchTexts}, {Threads} threads, device cpu"));
            Console.WriteLine(table.ToMarkdown());
            PrintRatios(table);
            if (peer is not null)
            {
                var agreeing = peer.Labels.Where((label, i) => label == s_labels[ArgMax(engineLogits[i])]).Count();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"labels of transformers.js agreeing with the engine: {(double)agreeing / reviews.Count:P1}"));
            }

            // The variant rows: engine and transformers.js on the int8 graph, and the accuracy each keeps.
            await Int8Benchmark.RunAsync(package, reviews, samples, peer, BatchTexts, Threads, MaxLength, csvPath, work, cancellationToken);
        });

    /// <summary>Only the padded/unpadded comparison of <see cref="LayoutBenchmark"/>, fp32 and int8.</summary>
    public static Task<int> RunLayoutsAsync(string csvPath, CancellationToken cancellationToken) =>
        InWorkDirectoryAsync(csvPath, "layout-benchmark", async work =>
        {
            var reviews = ReviewsCsv.ReadColumn(csvPath, "review");
            var package = await Int8Benchmark.AddInt8Async(BuildPackage(work), cancellationToken);
            Console.WriteLine("| variant | batches | padding | padded texts/s | unpadded texts/s | unpadded / padded |");
            LayoutBenchmark.Run(package.ForVariant(ModelVariants.Fp32), reviews, BatchTexts, Threads, MaxLength);
            LayoutBenchmark.Run(package.ForVariant(ModelVariants.Int8), reviews, BatchTexts, Threads, MaxLength);
        });

    /// <summary>
    /// The fusion check (<see cref="FusionBenchmark"/>): the package's graph (Hugging Face's MiniLM export with the head
    /// appended, as head-only packages serve) against the writer's graphs of the same weights, fp32 and int8, with each
    /// combination of <see cref="BertFusions"/>.
    /// </summary>
    public static Task<int> RunFusionsAsync(string csvPath) =>
        InWorkDirectoryAsync(csvPath, "fusion-benchmark", work =>
        {
            var reviews = ReviewsCsv.ReadColumn(csvPath, "review");
            var package = BuildPackage(work);
            var weights = OnnxBertWeightsReader.Read(package.ModelPath);
            var config = OnnxBertWeightsReader.ConfigOf(weights, package.Config);
            var graphs = new List<FusionBenchmark.Graph> { new("Hugging Face graph + head, fp32", package.ModelPath, Reference: 0) };
            foreach (var variant in (string[])[ModelVariants.Fp32, ModelVariants.Int8])
            {
                var reference = graphs.Count;
                foreach (var fusions in (BertFusions[])[BertFusions.None, BertFusions.Attention, BertFusions.SkipLayerNorm, BertFusions.Attention | BertFusions.SkipLayerNorm])
                {
                    var model = BertOnnxWriter.Write(config, weights, fusions: fusions);
                    var path = Path.Combine(work, $"writer-{variant}-{(int)fusions}.onnx");
                    File.WriteAllBytes(path, variant == ModelVariants.Int8 ? DynamicInt8Quantizer.Quantize(model).Model : model);
                    graphs.Add(new($"writer, {variant}, fused: {fusions}", path, reference));
                }
            }

            FusionBenchmark.Run(graphs,
                reviews, BertTextTokenizer.Create(package), BatchTexts, Threads, MaxLength, work);
            return Task.CompletedTask;
        });

    /// <summary>
    /// The engine's rows: bulk (every text in one call), <see cref="ConcurrentCallers"/> callers sending one text each in
    /// arrival order, one text at a time (alternating with raw ONNX Runtime on the same text, so both see the same load on
    /// a shared machine), and the process's resident memory after the first answer, after the bulk texts and after
    /// everything. Returns the bulk logits and raw ONNX Runtime's single-text latency.
    /// </summary>
    private static async Task<(float[][] Logits, (double P50, double P95) RawLatency)> MeasureEngineAsync(
        BenchmarkTable table, ModelPackage package, BertTextTokenizer tokenizer, IReadOnlyList<string> reviews, IReadOnlyList<string> samples,
        float[][] rawLogits, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var engine = await CreateEngineAsync(package, unpadded: false, loggers, cancellationToken);
        await engine.ClassifyAsync([reviews[0]], null, cancellationToken);
        table.Add(new BenchmarkRow("memory: engine after its first answer", Model, ResidentMegabytes: ResidentMegabytes()));

        var before = engine.Statistics;
        var started = Stopwatch.GetTimestamp();
        var engineLogits = (await engine.GetLogitsAsync(reviews, cancellationToken)).ToArray();
        var bulkSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var bulkPadding = PaddingBetween(before, engine.Statistics);
        var afterBulk = ResidentMegabytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine, bulk: {bulkSeconds:F1} s"));

        before = engine.Statistics;
        var (concurrentSeconds, concurrentLatency) = await RunConcurrentCallersAsync(engine, reviews, cancellationToken);
        var concurrentPadding = PaddingBetween(before, engine.Statistics);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine, {ConcurrentCallers} callers: {concurrentSeconds:F1} s"));

        (double P50, double P95) rawLatency, engineLatency;
        using (var raw = CreateRawSession(package.ModelPath))
        {
            RunRaw(raw, BatchEncoder.Pad([tokenizer.Tokenize("warm up", MaxLength)], tokenizer.PadId));
            (rawLatency, engineLatency) = await MeasureInterleavedAsync(
                samples,
                text =>
                {
                    RunRaw(raw, BatchEncoder.Pad([tokenizer.Tokenize(text, MaxLength)], tokenizer.PadId));
                    return Task.CompletedTask;
                },
                text => engine.ClassifyAsync([text], null, cancellationToken));
        }

        CollectGarbage();

        table.Add(new BenchmarkRow(EngineBulk, Model, reviews.Count / bulkSeconds, bulkPadding, engineLatency.P50, engineLatency.P95));
        table.Add(new BenchmarkRow($"engine fp32 padded, {ConcurrentCallers} callers × 1 text", Model,
            reviews.Count / concurrentSeconds, concurrentPadding, concurrentLatency.P50, concurrentLatency.P95));
        table.Add(new BenchmarkRow("memory: engine after 1,000 texts", Model, ResidentMegabytes: afterBulk));
        table.Add(new BenchmarkRow("memory: engine after the whole run", Model, ResidentMegabytes: ResidentMegabytes()));

        var maxDifference = 0f;
        for (var i = 0; i < reviews.Count; i++)
        {
            for (var j = 0; j < s_labels.Length; j++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(engineLogits[i][j] - rawLogits[i][j]));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest logit difference engine vs raw ORT: {maxDifference:G3}"));
        return (engineLogits, rawLatency);
    }

    private static Task<ClassificationEngine> CreateEngineAsync(ModelPackage package, bool unpadded, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        ClassificationEngine.CreateAsync(
            package, new ModelIdentity("minilm-head", "1"),
            new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = Threads, Unpadded = unpadded },
            new BatchingOptions { MaxBatchTexts = BatchTexts, MaxBatchTokens = BatchTexts * MaxLength, MaxWaitMilliseconds = 2, MaxQueuedTexts = 4096 },
            loggers, cancellationToken);

    /// <summary>
    /// The unpadded rows: the same bulk texts, <see cref="ConcurrentCallers"/> callers and single texts through the
    /// version's packed graph (<see cref="UnpaddedGraphs"/>), and the largest logit difference against the padded engine.
    /// </summary>
    private static async Task MeasureUnpaddedAsync(
        BenchmarkTable table, ModelPackage package, IReadOnlyList<string> reviews, IReadOnlyList<string> samples, float[][] paddedLogits,
        CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var engine = await CreateEngineAsync(package, unpadded: true, loggers, cancellationToken);
        if (engine.Execution != OnnxModelSession.UnpaddedExecution)
        {
            Console.WriteLine($"unpadded rows skipped: the engine serves padded ({engine.PaddedReason})");
            return;
        }

        await engine.ClassifyAsync([reviews[0]], null, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var logits = (await engine.GetLogitsAsync(reviews, cancellationToken)).ToArray();
        var bulkSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (concurrentSeconds, concurrentLatency) = await RunConcurrentCallersAsync(engine, reviews, cancellationToken);
        var single = new List<double>(samples.Count);
        foreach (var text in samples)
        {
            var one = Stopwatch.GetTimestamp();
            await engine.ClassifyAsync([text], null, cancellationToken);
            single.Add(Stopwatch.GetElapsedTime(one).TotalMilliseconds);
        }

        var latency = Percentiles(single);
        table.Add(new BenchmarkRow(EngineUnpaddedBulk, Model, reviews.Count / bulkSeconds, 0, latency.P50, latency.P95));
        table.Add(new BenchmarkRow($"engine fp32 unpadded, {ConcurrentCallers} callers × 1 text", Model,
            reviews.Count / concurrentSeconds, 0, concurrentLatency.P50, concurrentLatency.P95));
        table.Add(new BenchmarkRow("memory: after the unpadded engine", Model, ResidentMegabytes: ResidentMegabytes()));
        var maxDifference = logits.Zip(paddedLogits).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        var sameLabels = logits.Zip(paddedLogits).Count(p => ArgMax(p.First) == ArgMax(p.Second));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unpadded vs padded engine: largest logit difference {maxDifference:G3}, same label on {sameLabels}/{reviews.Count} texts"));
    }

    /// <summary>
    /// <see cref="ConcurrentCallers"/> callers, each sending the next review in arrival order as soon as its previous one is
    /// answered: the traffic of many clients that send one text per request.
    /// </summary>
    private static async Task<(double Seconds, (double P50, double P95) Latency)> RunConcurrentCallersAsync(
        ClassificationEngine engine, IReadOnlyList<string> reviews, CancellationToken cancellationToken)
    {
        var next = -1;
        var milliseconds = new double[reviews.Count];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, ConcurrentCallers).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < reviews.Count; i = Interlocked.Increment(ref next))
            {
                var sent = Stopwatch.GetTimestamp();
                await engine.ClassifyAsync([reviews[i]], null, cancellationToken);
                milliseconds[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }, cancellationToken)));
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, Percentiles([.. milliseconds]));
    }

    private static void PrintRatios(BenchmarkTable table)
    {
        double? Rate(string prefix) => table.Rows.FirstOrDefault(r => r.Path.StartsWith(prefix, StringComparison.Ordinal))?.TextsPerSecond;
        BenchmarkRow? Find(string prefix) => table.Rows.FirstOrDefault(r => r.Path.StartsWith(prefix, StringComparison.Ordinal));
        var bulk = Find(EngineBulk);
        var raw = Find("raw ORT");
        var callers = Rate($"engine fp32 padded, {ConcurrentCallers} callers");
        var unpaddedBulk = Rate(EngineUnpaddedBulk);
        var unpaddedCallers = Rate($"engine fp32 unpadded, {ConcurrentCallers} callers");
        var peer = Rate("transformers.js fp32");
        var afterBulk = Find("memory: engine after 1,000")?.ResidentMegabytes;
        var afterAll = Find("memory: engine after the whole")?.ResidentMegabytes;
        Console.WriteLine(
            $"engine bulk / raw ORT: {Ratio(bulk?.TextsPerSecond, raw?.TextsPerSecond)}; {ConcurrentCallers} callers / bulk: {Ratio(callers, bulk?.TextsPerSecond)}; engine bulk / transformers.js: {Ratio(bulk?.TextsPerSecond, peer)}");
        Console.WriteLine(
            $"unpadded bulk / padded bulk: {Ratio(unpaddedBulk, bulk?.TextsPerSecond)}; unpadded {ConcurrentCallers} callers / padded bulk: {Ratio(unpaddedCallers, bulk?.TextsPerSecond)}; unpadded {ConcurrentCallers} callers / padded {ConcurrentCallers} callers: {Ratio(unpaddedCallers, callers)}; unpadded bulk / transformers.js: {Ratio(unpaddedBulk, peer)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p50 at concurrency 1, engine − raw ORT: {bulk?.P50Milliseconds - raw?.P50Milliseconds:F1} ms; memory after the whole run / after 1,000 texts: {Ratio(afterAll, afterBulk)}"));
    }

    private static string Ratio(double? numerator, double? denominator) =>
        numerator / denominator is { } ratio && double.IsFinite(ratio) ? ratio.ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";

    private static double PaddingBetween(EngineStatistics before, EngineStatistics after)
    {
        var padded = after.PaddedTokens - before.PaddedTokens;
        return padded == 0 ? 0 : 1.0 - ((double)(after.Tokens - before.Tokens) / padded);
    }

    private static void CollectGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>The process's resident set (VmRSS), in MB.</summary>
    private static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
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
        UnpaddedGraphs.AddAsync(directory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
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
    internal static float[] RunRaw(InferenceSession session, EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, s_inputNames, [ids, mask, types], s_outputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Each text once through <paramref name="first"/>, then through <paramref name="second"/>: one at a time, timed.</summary>
    private static async Task<((double P50, double P95) First, (double P50, double P95) Second)> MeasureInterleavedAsync(
        IReadOnlyList<string> texts, Func<string, Task> first, Func<string, Task> second)
    {
        var firstMilliseconds = new List<double>(texts.Count);
        var secondMilliseconds = new List<double>(texts.Count);
        foreach (var text in texts)
        {
            var started = Stopwatch.GetTimestamp();
            await first(text);
            firstMilliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            await second(text);
            secondMilliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return (Percentiles(firstMilliseconds), Percentiles(secondMilliseconds));
    }

    private static (double P50, double P95) Percentiles(List<double> milliseconds) =>
        (Percentile(milliseconds, 0.50), Percentile(milliseconds, 0.95));

    private static double Percentile(List<double> milliseconds, double p)
    {
        var sorted = milliseconds.Order().ToArray();
        return sorted[(int)Math.Ceiling(p * sorted.Length) - 1];
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    /// <summary>
    /// Runs one command in a work directory of its own (deleted afterwards), once the reviews file is there: 1 when it is
    /// not, 0 when the command ran.
    /// </summary>
    private static async Task<int> InWorkDirectoryAsync(string csvPath, string name, Func<string, Task> run)
    {
        if (!File.Exists(csvPath))
        {
            await Console.Error.WriteLineAsync($"Reviews not found at {csvPath}: pass the path of fine_foods_testing_data.csv.");
            return 1;
        }

        var root = Directory.CreateTempSubdirectory(name + "-");
        try
        {
            await run(root.FullName);
            return 0;
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static InferenceSession CreateRawSession(string modelPath)
    {
        // The engine's threading, so the rows compare the engine's batching and hand-off, not thread settings.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        OnnxModelSession.ConfigureThreads(options, Threads);
        return new InferenceSession(modelPath, options);
    }
}
