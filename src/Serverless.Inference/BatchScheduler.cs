using System.Diagnostics;
using System.Globalization;

using Microsoft.Extensions.Logging;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;

namespace Serverless.Inference;

/// <summary>
/// Dynamic batching for one model: callers on any thread enqueue tokenized texts; one scheduler thread forms batches and
/// runs them one at a time (a run already uses every intra-op thread, so two at once would only contend).
/// </summary>
/// <remarks>
/// Batches are formed in generations: once the oldest waiting text has waited <see cref="BatchingOptions.MaxWaitMilliseconds"/>
/// (at once while stopping), everything waiting is sorted by length and cut into batches of neighbours bounded by
/// <see cref="BatchingOptions.MaxBatchTexts"/> and <see cref="BatchingOptions.MaxBatchTokens"/>. Texts of similar length
/// share a batch, so little compute goes to padding, and no text waits behind texts that arrived after its generation.
/// </remarks>
internal sealed class BatchScheduler
{
    // A monitor (not System.Threading.Lock) because the loop waits on it with Monitor.Wait.
    private readonly object _gate = new();
    private readonly BatchingOptions _options;
    private readonly Func<IReadOnlyList<TokenizedText>, float[][]> _run;
    private readonly ILogger _logger;
    private readonly TagList _tags;
    private readonly TimeSpan _maxWait;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    private readonly LinkedList<Request> _admissions = new();
    private List<Item> _arrivals = [];
    private Item[] _generation = [];
    private int _next;
    private int _queued;
    private long _oldestArrival;
    private bool _accepting = true;
    private Exception? _fault;

    private long _batches;
    private long _texts;
    private long _tokens;
    private long _paddedTokens;
    private int _largestBatchTexts;
    private int _largestBatchTokens;
    private long _rejected;

    public BatchScheduler(BatchingOptions options, Func<IReadOnlyList<TokenizedText>, float[][]> run, ILogger logger, TagList tags, string threadName)
    {
        _options = options;
        _run = run;
        _logger = logger;
        _tags = tags;
        _maxWait = TimeSpan.FromMilliseconds(options.MaxWaitMilliseconds);
        _thread = new Thread(Loop) { IsBackground = true, Name = threadName };
    }

    public void Start() => _thread.Start();

    /// <summary>Queues texts and completes with one row of output per text, in their order.</summary>
    /// <param name="texts">The tokenized texts.</param>
    /// <param name="waitForCapacity">
    /// When the queue cannot take the texts now: true waits until it can (first come, first admitted, while callers that do
    /// not wait are still admitted whenever they fit); false throws <see cref="EngineBusyException"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait and the request; its texts leave the queue.</param>
    /// <exception cref="EngineBusyException">The queue cannot take this many more texts now and the caller does not wait.</exception>
    /// <exception cref="PayloadTooLargeException">More texts than the queue ever holds.</exception>
    public async Task<float[][]> RunAsync(TokenizedText[] texts, bool waitForCapacity, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (texts.Length > _options.MaxQueuedTexts)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"The request has {texts.Length} texts but the engine queues at most {_options.MaxQueuedTexts}: send them in smaller requests."));
        }

        var request = new Request(texts);
        lock (_gate)
        {
            if (_fault is not null)
            {
                throw new InvalidOperationException("The engine's batching scheduler stopped after an internal error; reload the model.", _fault);
            }

            ObjectDisposedException.ThrowIf(!_accepting, typeof(ClassificationEngine));
            if (waitForCapacity && (_admissions.Count > 0 || !Fits(texts.Length)))
            {
                // Behind the callers already waiting, so a large request is not overtaken forever by smaller waiting ones.
                _admissions.AddLast(request.Admission);
                Log.AdmissionWaiting(_logger, texts.Length, _queued, _options.MaxQueuedTexts);
            }
            else if (!Fits(texts.Length))
            {
                _rejected++;
                InferenceMetrics.Rejections.Add(1, _tags);
                Log.Rejected(_logger, texts.Length, _queued, _options.MaxQueuedTexts);
                throw new EngineBusyException(string.Create(CultureInfo.InvariantCulture,
                    $"The model is busy: {_queued} texts are waiting and this request's {texts.Length} would exceed the limit of {_options.MaxQueuedTexts}. Retry shortly."));
            }
            else
            {
                Enqueue(request);
            }
        }

        using var registration = cancellationToken.Register(() => Cancel(request, cancellationToken));
        return await request.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Stops taking requests, runs everything already queued, and completes when the scheduler thread ends.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _accepting = false;

            // Everything already accepted runs, waiting callers too: the loop ends only once the arrivals are empty.
            while (_admissions.First is { } waiting)
            {
                _admissions.RemoveFirst();
                Enqueue(waiting.Value);
            }

            Monitor.PulseAll(_gate);
        }

        return _stopped.Task;
    }

    public EngineStatistics Snapshot()
    {
        lock (_gate)
        {
            return new EngineStatistics(_batches, _texts, _tokens, _paddedTokens, _largestBatchTexts, _largestBatchTokens, _rejected, _queued);
        }
    }

    private void Cancel(Request request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (request.Admission.List is not null)
            {
                _admissions.Remove(request.Admission);
                AdmitWaiting();
            }
            else
            {
                Abandon(request);
            }
        }

        request.Completion.TrySetCanceled(cancellationToken);
    }

    /// <summary>Takes a request's waiting texts out of the count; the loop skips them. Caller holds the gate.</summary>
    private void Abandon(Request request)
    {
        if (request.Abandoned)
        {
            return;
        }

        request.Abandoned = true;
        _queued -= request.Waiting;
        InferenceMetrics.QueueDepths.Add(-request.Waiting, _tags);
        request.Waiting = 0;
        AdmitWaiting();
    }

    private bool Fits(int count) => _queued + count <= _options.MaxQueuedTexts;

    /// <summary>Puts a request's texts in the queue. Caller holds the gate and has checked that they fit (or is stopping).</summary>
    private void Enqueue(Request request)
    {
        if (_arrivals.Count == 0)
        {
            _oldestArrival = Stopwatch.GetTimestamp();
        }

        for (var i = 0; i < request.Texts.Length; i++)
        {
            _arrivals.Add(new Item(request, i));
        }

        request.Waiting = request.Texts.Length;
        _queued += request.Texts.Length;
        InferenceMetrics.QueueDepths.Add(request.Texts.Length, _tags);
        Monitor.Pulse(_gate);
    }

    /// <summary>Admits waiting callers, oldest first, while they fit. Caller holds the gate.</summary>
    private void AdmitWaiting()
    {
        while (_accepting && _fault is null && _admissions.First is { } waiting && Fits(waiting.Value.Texts.Length))
        {
            _admissions.RemoveFirst();
            Enqueue(waiting.Value);
        }
    }

    private void Loop()
    {
        try
        {
            while (NextBatch() is { } batch)
            {
                Execute(batch);
            }
        }
        catch (Exception ex)
        {
            Log.SchedulerCrashed(_logger, ex);
            FailEverything(ex);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private List<Item>? NextBatch()
    {
        lock (_gate)
        {
            while (true)
            {
                var batch = TakeFromGeneration();
                if (batch.Count > 0)
                {
                    return batch;
                }

                if (_arrivals.Count == 0)
                {
                    if (!_accepting)
                    {
                        return null;
                    }

                    Monitor.Wait(_gate);
                    continue;
                }

                // Waiting out the window even when a full batch is already here lets a burst arrive whole and be
                // grouped by length; the window is tiny next to a model run, and under load it has long passed.
                var remaining = _maxWait - Stopwatch.GetElapsedTime(_oldestArrival);
                if (_accepting && remaining > TimeSpan.Zero)
                {
                    Monitor.Wait(_gate, remaining);
                    continue;
                }

                StartGeneration();
            }
        }
    }

    private void StartGeneration()
    {
        // A stable sort keeps arrival order among texts of equal length.
        _generation = [.. _arrivals.Where(i => !i.Request.Abandoned).OrderBy(i => i.Length)];
        _next = 0;
        _arrivals = [];
    }

    private List<Item> TakeFromGeneration()
    {
        var batch = new List<Item>(Math.Min(_options.MaxBatchTexts, _generation.Length - _next));
        var longest = 0;
        while (_next < _generation.Length)
        {
            var item = _generation[_next];
            if (item.Request.Abandoned)
            {
                _next++;
                continue;
            }

            var padded = Math.Max(longest, item.Length);
            if (batch.Count > 0 && (batch.Count == _options.MaxBatchTexts || (batch.Count + 1) * padded > _options.MaxBatchTokens))
            {
                break;
            }

            batch.Add(item);
            longest = padded;
            item.Request.Waiting--;
            _next++;
        }

        if (_next == _generation.Length)
        {
            _generation = [];
            _next = 0;
        }

        _queued -= batch.Count;
        if (batch.Count > 0)
        {
            InferenceMetrics.QueueDepths.Add(-batch.Count, _tags);
            AdmitWaiting();
        }

        return batch;
    }

    private void Execute(List<Item> batch)
    {
        var texts = new TokenizedText[batch.Count];
        var tokens = 0;
        var sequenceLength = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = batch[i].Text;
            tokens += texts[i].Length;
            sequenceLength = Math.Max(sequenceLength, texts[i].Length);
        }

        var started = Stopwatch.GetTimestamp();
        float[][] rows;
        try
        {
            rows = _run(texts);
        }
        catch (Exception ex)
        {
            Log.BatchFailed(_logger, ex, texts.Length, sequenceLength);
            foreach (var request in batch.Select(i => i.Request).Distinct())
            {
                lock (_gate)
                {
                    Abandon(request);
                }

                request.Completion.TrySetException(ex);
            }

            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var paddedTokens = texts.Length * sequenceLength;
        var paddingShare = 1.0 - ((double)tokens / paddedTokens);
        lock (_gate)
        {
            _batches++;
            _texts += texts.Length;
            _tokens += tokens;
            _paddedTokens += paddedTokens;
            _largestBatchTexts = Math.Max(_largestBatchTexts, texts.Length);
            _largestBatchTokens = Math.Max(_largestBatchTokens, paddedTokens);
        }

        InferenceMetrics.BatchSizes.Record(texts.Length, _tags);
        InferenceMetrics.PaddingShares.Record(paddingShare, _tags);
        InferenceMetrics.Durations.Record(elapsed.TotalSeconds, _tags);
        Log.BatchRan(_logger, texts.Length, sequenceLength, paddingShare, elapsed.TotalMilliseconds);

        for (var i = 0; i < batch.Count; i++)
        {
            var (request, index) = (batch[i].Request, batch[i].Index);
            if (request.Abandoned)
            {
                continue;
            }

            request.Results[index] = rows[i];
            if (--request.Unfinished == 0)
            {
                request.Completion.TrySetResult(request.Results);
            }
        }
    }

    private void FailEverything(Exception ex)
    {
        List<Request> requests;
        lock (_gate)
        {
            _fault = ex;
            requests = [.. _arrivals.Concat(_generation.Skip(_next)).Select(i => i.Request).Concat(_admissions).Distinct()];
            _admissions.Clear();
            foreach (var request in requests)
            {
                Abandon(request);
            }

            _arrivals = [];
            _generation = [];
        }

        foreach (var request in requests)
        {
            request.Completion.TrySetException(ex);
        }
    }

    /// <summary>One caller's texts. Admission, Waiting and Abandoned are guarded by the gate; Results and Unfinished belong to the loop.</summary>
    private sealed class Request
    {
        public Request(TokenizedText[] texts)
        {
            Texts = texts;
            Results = new float[texts.Length][];
            Unfinished = texts.Length;
            Admission = new LinkedListNode<Request>(this);
        }

        public TokenizedText[] Texts { get; }
        public float[][] Results { get; }
        public TaskCompletionSource<float[][]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The request's place among the callers waiting for capacity; in no list once admitted.</summary>
        public LinkedListNode<Request> Admission { get; }
        public int Waiting { get; set; }
        public int Unfinished { get; set; }
        public volatile bool Abandoned;
    }

    private readonly record struct Item(Request Request, int Index)
    {
        public TokenizedText Text => Request.Texts[Index];
        public int Length => Request.Texts[Index].Length;
    }
}
