using System.Diagnostics;
using System.Globalization;

using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

using Serverless.Classification;
using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Inference;

/// <summary>
/// Serves one model version: tokenization, dynamic batching of texts from all concurrent callers (grouped by length, so
/// little compute goes to padding), and post-processing per the model's problem type.
/// Thread-safe: any number of callers may classify at once; <see cref="DisposeAsync"/> finishes queued work first.
/// </summary>
public sealed class ClassificationEngine : IAsyncDisposable
{
    /// <summary>The most windows one text is cut into with <see cref="LongTextMode.Windows"/>; beyond them it is truncated.</summary>
    public const int MaxWindowsPerText = 16;

    private const float DefaultThreshold = 0.5f;

    // Publish-time checks need no GPU and must not compete with serving for cores.
    private static readonly ServingOptions s_smokeTestDevice = new() { Device = InferenceDevice.Cpu, IntraOpThreads = 1 };

    private readonly OnnxModelSession _session;
    private readonly BertTextTokenizer _tokenizer;
    private readonly BatchScheduler _scheduler;
    private readonly ModelIdentity _identity;
    private readonly ILogger _logger;
    private readonly float _threshold;
    private readonly int _maxQueuedTexts;
    private int _disposed;

    private ClassificationEngine(
        ModelPackage package, ModelIdentity identity, OnnxModelSession session, BertTextTokenizer tokenizer,
        BatchingOptions batching, BatchCostModel cost, InferenceMetrics? metrics, ILogger logger)
    {
        Package = package;
        _identity = identity;
        _session = session;
        _tokenizer = tokenizer;
        _logger = logger;
        Labels = package.Config.IsBaseEncoder ? [] : package.Config.LabelsInOrder();
        _threshold = (float)(package.Config.Threshold ?? DefaultThreshold);
        _maxQueuedTexts = batching.MaxQueuedTexts;
        _scheduler = new BatchScheduler(
            batching, RunBatch, cost, logger, metrics, InferenceMetrics.Tags(identity, session.Device), $"Inference {identity.Name}/{identity.Version}");
    }

    /// <summary>The package being served.</summary>
    public ModelPackage Package { get; }

    /// <summary>The device inference runs on: "cpu" or "cuda".</summary>
    public string Device => _session.Device;

    /// <summary>How batches run: <see cref="OnnxModelSession.UnpaddedExecution"/> or <see cref="OnnxModelSession.PaddedExecution"/>.</summary>
    public string Execution => _session.Execution;

    /// <summary>Why the engine runs padded, in words; null when it runs unpadded.</summary>
    public string? PaddedReason => _session.PaddedReason;

    /// <summary>Labels in logit order (empty for a base encoder).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>What the engine has run so far (batches, padding, rejections, queue depth).</summary>
    public EngineStatistics Statistics => _scheduler.Snapshot();

    /// <summary>Loads the model on the configured device and warms it up with one small run.</summary>
    public static Task<ClassificationEngine> CreateAsync(
        ModelPackage package, ServingOptions serving, BatchingOptions batching, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken) =>
        CreateAsync(package, ModelIdentity.Unknown, serving, batching, loggerFactory, cancellationToken);

    /// <summary>
    /// Loads the model on the configured device and warms it up with one small run; <paramref name="identity"/> names the
    /// model version in logs and metric tags.
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The model graph does not fit the package.</exception>
    /// <exception cref="InferenceDeviceException">Device is cuda and CUDA cannot be loaded.</exception>
    public static Task<ClassificationEngine> CreateAsync(
        ModelPackage package, ModelIdentity identity, ServingOptions serving, BatchingOptions batching,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken) =>
        CreateAsync(package, identity, serving, batching, loggerFactory, metrics: null, cancellationToken);

    /// <summary>
    /// Loads the model on the configured device and warms it up with one small run; <paramref name="identity"/> names the
    /// model version in logs and metric tags, and the engine records its batches, queue depth and rejections on
    /// <paramref name="metrics"/> (none when null).
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The model graph does not fit the package.</exception>
    /// <exception cref="InferenceDeviceException">Device is cuda and CUDA cannot be loaded.</exception>
    public static async Task<ClassificationEngine> CreateAsync(
        ModelPackage package, ModelIdentity identity, ServingOptions serving, BatchingOptions batching,
        ILoggerFactory loggerFactory, InferenceMetrics? metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(serving);
        ArgumentNullException.ThrowIfNull(batching);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        // Loading and the warm-up run are synchronous and CPU-bound: keep them off the caller's thread.
        return await Task.Run(() => Create(package, identity, serving, batching, loggerFactory, metrics, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Classifies texts; results keep the order of <paramref name="texts"/>. Scores are ordered by descending score and
    /// cut to <paramref name="topK"/> when given.
    /// </summary>
    /// <exception cref="InvalidRequestException">No texts, a null text, topK below 1, or the model is a base encoder.</exception>
    /// <exception cref="EngineBusyException">The engine's queue is full; retry later.</exception>
    public Task<IReadOnlyList<TextClassification>> ClassifyAsync(
        IReadOnlyList<string> texts, int? topK, CancellationToken cancellationToken) =>
        ClassifyAsync(texts, topK, waitForCapacity: false, cancellationToken);

    /// <summary>
    /// Classifies texts like <see cref="ClassifyAsync(IReadOnlyList{string}, int?, CancellationToken)"/>; with
    /// <paramref name="waitForCapacity"/> a full queue is waited out (back-pressure for background work such as queue
    /// messages) instead of answered with <see cref="EngineBusyException"/>. Waiting callers are admitted first come, first
    /// served; cancelling the token ends the wait.
    /// </summary>
    /// <exception cref="InvalidRequestException">No texts, a null text, topK below 1, or the model is a base encoder.</exception>
    /// <exception cref="PayloadTooLargeException">More texts than the engine's queue holds (<see cref="BatchingOptions.MaxQueuedTexts"/>).</exception>
    /// <exception cref="EngineBusyException">The engine's queue is full and <paramref name="waitForCapacity"/> is false.</exception>
    public Task<IReadOnlyList<TextClassification>> ClassifyAsync(
        IReadOnlyList<string> texts, int? topK, bool waitForCapacity, CancellationToken cancellationToken) =>
        ClassifyAsync(texts, topK, LongTextMode.Truncate, maxWindows: null, waitForCapacity, cancellationToken);

    /// <summary>
    /// Classifies texts like <see cref="ClassifyAsync(IReadOnlyList{string}, int?, bool, CancellationToken)"/>, with
    /// <paramref name="longTexts"/> choosing what happens to a text longer than the model's maximum length. With
    /// <see cref="LongTextMode.Windows"/> each text is cut into overlapping windows of that length
    /// (<see cref="BertTextTokenizer.TokenizeWindows"/>, at most <see cref="MaxWindowsPerText"/>), every window is one row
    /// of the batch, and the windows' probabilities are pooled per text (<see cref="ScoreFunctions.ClassifyWindows"/>).
    /// </summary>
    /// <param name="texts">The texts.</param>
    /// <param name="topK">How many labels to keep per text, or null for all.</param>
    /// <param name="longTexts">Truncate long texts, or classify them in windows.</param>
    /// <param name="maxWindows">
    /// With <see cref="LongTextMode.Windows"/>: the most windows the whole request may make (the caller's request limit,
    /// since every window costs what a text costs); null leaves only the engine's queue limit.
    /// </param>
    /// <param name="waitForCapacity">Wait for room in a full queue instead of throwing <see cref="EngineBusyException"/>.</param>
    /// <param name="cancellationToken">Cancels the wait; a cancelled request leaves its batch.</param>
    /// <exception cref="InvalidRequestException">No texts, a null text, topK below 1, or the model is a base encoder.</exception>
    /// <exception cref="PayloadTooLargeException">
    /// More texts than the engine's queue holds, or the windows of the texts exceed <paramref name="maxWindows"/> or the
    /// engine's queue (<see cref="BatchingOptions.MaxQueuedTexts"/>).
    /// </exception>
    /// <exception cref="EngineBusyException">The engine's queue is full and <paramref name="waitForCapacity"/> is false.</exception>
    public async Task<IReadOnlyList<TextClassification>> ClassifyAsync(
        IReadOnlyList<string> texts, int? topK, LongTextMode longTexts, int? maxWindows, bool waitForCapacity,
        CancellationToken cancellationToken)
    {
        EnsureClassifier();
        if (topK < 1)
        {
            throw new InvalidRequestException(string.Create(CultureInfo.InvariantCulture,
                $"topK must be at least 1 (got {topK}); leave it out to get every label."), ProblemTypes.InvalidTopK);
        }

        var multiLabel = Package.Config.IsMultiLabel;
        if (longTexts == LongTextMode.Windows)
        {
            var windows = TokenizeWindows(texts, maxWindows);
            var windowLogits = await _scheduler.RunAsync([.. windows.SelectMany(w => w)], waitForCapacity, cancellationToken).ConfigureAwait(false);
            var pooled = new TextClassification[windows.Length];
            var row = 0;
            for (var i = 0; i < pooled.Length; i++)
            {
                pooled[i] = ScoreFunctions.ClassifyWindows(
                    new ArraySegment<float[]>(windowLogits, row, windows[i].Length), Labels, multiLabel, _threshold, topK, windows[i][0].Truncated);
                row += windows[i].Length;
            }

            return pooled;
        }

        var tokenized = Tokenize(texts);
        var logits = await _scheduler.RunAsync(tokenized, waitForCapacity, cancellationToken).ConfigureAwait(false);
        var results = new TextClassification[logits.Length];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = ScoreFunctions.Classify(logits[i], Labels, multiLabel, _threshold, topK, tokenized[i].Truncated);
        }

        return results;
    }

    /// <summary>Raw logits per text, in the order of <paramref name="texts"/>, through the same batching path.</summary>
    /// <exception cref="InvalidRequestException">No texts, a null text, or the model is a base encoder.</exception>
    /// <exception cref="EngineBusyException">The engine's queue is full; retry later.</exception>
    public async Task<IReadOnlyList<float[]>> GetLogitsAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        EnsureClassifier();
        return await _scheduler.RunAsync(Tokenize(texts), waitForCapacity: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking requests, finishes every queued and running one, then releases the ONNX Runtime session.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _scheduler.StopAsync().ConfigureAwait(false);
        _session.Dispose();
        Log.EngineStopped(_logger, _identity.Name, _identity.Version);
    }

    private static ClassificationEngine Create(
        ModelPackage package, ModelIdentity identity, ServingOptions serving, BatchingOptions batching,
        ILoggerFactory loggerFactory, InferenceMetrics? metrics, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var logger = loggerFactory.CreateLogger<ClassificationEngine>();
        var tokenizer = BertTextTokenizer.Create(package);
        var session = OnnxModelSession.Create(package, serving, logger);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            WarmUp(session, tokenizer, package);
            var cost = BatchCostModel.Calibrate(lengths => RunSynthetic(session, tokenizer.PadId, lengths), package.MaxLength, session.IsPacked);
            var engine = new ClassificationEngine(package, identity, session, tokenizer, batching, cost, metrics, logger);
            engine._scheduler.Start();
            Log.EngineReady(logger, identity.Name, identity.Version, session.Device,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, package.MaxLength, engine.Labels.Count, cost.ToString());
            return engine;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the package's graph on the CPU and runs the warm-up an engine runs at load, then releases it: publishing
    /// calls this so a version that could never serve is refused before it exists.
    /// </summary>
    /// <exception cref="InvalidModelPackageException">The graph cannot be loaded, does not fit the package, or fails its warm-up run.</exception>
    public static Task SmokeTestAsync(ModelPackage package, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(logger);
        return Task.Run(() =>
        {
            var tokenizer = BertTextTokenizer.Create(package);
            using var session = OnnxModelSession.Create(package, s_smokeTestDevice, logger);
            cancellationToken.ThrowIfCancellationRequested();
            WarmUp(session, tokenizer, package);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs a batch of two texts of different lengths: the first run allocates and plans (keeping that cost off the first
    /// request), and a graph that cannot take the batches the scheduler forms (a fixed-shape export) fails here, at load,
    /// with the reason.
    /// </summary>
    private static void WarmUp(OnnxModelSession session, BertTextTokenizer tokenizer, ModelPackage package)
    {
        TokenizedText[] texts = [tokenizer.Tokenize("warm up", package.MaxLength), tokenizer.Tokenize("warm up the model with a longer text", package.MaxLength)];
        var longest = texts.Max(t => t.Length);
        int[] shape;
        try
        {
            session.Run(texts, tokenizer.PadId, out shape);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelPackageException(string.Create(CultureInfo.InvariantCulture,
                $"model.onnx failed its warm-up run on a batch of {texts.Length} texts × {longest} tokens, so it cannot serve: {ex.Message.Trim()}") +
                " A graph exported with a fixed batch size or sequence length is the usual cause: export it with dynamic axes.");
        }

        var classifier = !package.Config.IsBaseEncoder && session.OutputName == OnnxModelSession.LogitsOutput;
        var labels = classifier ? package.Config.LabelsInOrder().Count : 0;
        if (shape.Length < 2 || shape[0] != texts.Length || (classifier && (shape.Length != 2 || shape[1] != labels)))
        {
            throw new InvalidModelPackageException(string.Create(CultureInfo.InvariantCulture,
                $"model.onnx answered a warm-up batch of {texts.Length} texts with output '{session.OutputName}' of shape [{string.Join(", ", shape)}]: it must be [batch, labels] ({labels} labels) for a classifier or [batch, sequence, hidden] for a base encoder."));
        }
    }

    /// <summary>One run of texts of <paramref name="lengths"/> tokens, through the path batches take.</summary>
    private static void RunSynthetic(OnnxModelSession session, int padId, int[] lengths) =>
        session.Run([.. lengths.Select(length => new TokenizedText(new int[length], Truncated: false))], padId, out _);

    private void EnsureClassifier()
    {
        if (Package.Config.IsBaseEncoder || _session.OutputName != OnnxModelSession.LogitsOutput)
        {
            throw new InvalidRequestException(
                $"Model '{_identity.Name}' version {_identity.Version} is a base encoder without a classification head, so it cannot classify: train a classifier with it as the base, or publish a classifier and classify with that.",
                ProblemTypes.NotAClassifier);
        }
    }

    private TokenizedText[] Tokenize(IReadOnlyList<string> texts)
    {
        ValidateTexts(texts);
        var tokenized = new TokenizedText[texts.Count];
        for (var i = 0; i < tokenized.Length; i++)
        {
            tokenized[i] = _tokenizer.Tokenize(texts[i], Package.MaxLength);
        }

        return tokenized;
    }

    private static void ValidateTexts(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new InvalidRequestException("Send at least one text.", ProblemTypes.EmptyTexts);
        }

        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null)
            {
                throw new InvalidRequestException(string.Create(CultureInfo.InvariantCulture, $"Text {i} is null; every text must be a string."));
            }
        }
    }

    // Every window is a row of the engine's batches, so it counts against the request's limit and the queue's like a text.
    private TokenizedText[][] TokenizeWindows(IReadOnlyList<string> texts, int? maxWindows)
    {
        ValidateTexts(texts);
        var windows = new TokenizedText[texts.Count][];
        var total = 0;
        for (var i = 0; i < windows.Length; i++)
        {
            windows[i] = _tokenizer.TokenizeWindows(texts[i], Package.MaxLength, MaxWindowsPerText);
            total += windows[i].Length;
        }

        var prefix = string.Create(CultureInfo.InvariantCulture,
            $"The request's {texts.Count} texts make {total} windows of up to {Package.MaxLength} tokens, and every window counts as a text");
        if (total > maxWindows)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"{prefix}: at most {maxWindows} are allowed per request. Send fewer or shorter texts per request."));
        }

        if (total > _maxQueuedTexts)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"{prefix}: the engine queues at most {_maxQueuedTexts} (Serving:Batching:MaxQueuedTexts). Send fewer or shorter texts per request."));
        }

        return windows;
    }

    private float[][] RunBatch(IReadOnlyList<TokenizedText> texts)
    {
        var output = _session.Run(texts, _tokenizer.PadId, out var shape);
        var width = shape[1];
        if (width != Labels.Count)
        {
            // Only reachable when the graph leaves its label dimension symbolic; a fixed one is checked at load.
            throw new InvalidModelPackageException(string.Create(CultureInfo.InvariantCulture,
                $"model.onnx returned {width} logits per text but config.json id2label has {Labels.Count} labels: they must agree."));
        }

        var rows = new float[texts.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = output.AsSpan(i * width, width).ToArray();
        }

        return rows;
    }
}
