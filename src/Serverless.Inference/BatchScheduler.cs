using System.Buffers;
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
/// Batches are formed in generations. A text that reaches an idle engine (nothing running, nothing waiting) starts one at
/// once; texts that arrive while work is in flight wait until the oldest of them has waited
/// <see cref="BatchingOptions.MaxWaitMilliseconds"/> (under load that has passed by the time the running batch ends; at
/// once while stopping). A generation is everything waiting, sorted by length and cut into batches of neighbours by
/// <see cref="BatchPartitioner"/>: the partition of least total cost under the model's <see cref="BatchCostModel"/>, within
/// <see cref="BatchingOptions.MaxBatchTexts"/> and <see cref="BatchingOptions.MaxBatchTokens"/>. A long text then does not
/// pad a batch of short ones, a run's fixed cost is still shared by many texts, and no text waits behind texts that
/// arrived after its generation.
/// </remarks>
internal sealed class BatchScheduler
{
    // A monitor (not System.Threading.Lock) because the loop waits on it with Monitor.Wait.
    private readonly object _gate = new();
    private readonly BatchingOptions _options;
    private readonly Func<IReadOnlyList<TokenizedText>, float[][]> _run;
    private readonly BatchCostModel _cost;
    private readonly ILogger _logger;
    private readonly InferenceMetrics? _metrics;
    private readonly TagList _tags;
    private readonly TimeSpan _maxWait;
    private readonly long _maxWaitTicks;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    private readonly LinkedList<Request> _admissions = new();
    private List<Item> _arrivals = [];
    private List<Item> _spareArrivals = [];
    private Item[] _generation = [];
    private int _generationCount;
    private int _next;
    private int[] _batchEnds = [];
    private int _batchCount;
    private int _batchIndex;
    private int _queued;
    private long _oldestArrival;
    private bool _busy;
    private bool _accepting = true;
    private Exception? _fault;

    private long _batches;
    private long _texts;
    private long _tokens;
    private long _paddedTokens;
    private int _largestBatchTexts;
    private int _largestBatchTokens;
    private long _rejected;

    // Owned by the scheduler thread: the batch being formed and run.
    private readonly List<Item> _batch = [];
    private readonly TokenizedText[] _batchTexts;
    private readonly HashSet<Request> _failedRequests = [];

    /// <summary>Creates a scheduler that runs batches with <paramref name="run"/> and cuts them by <paramref name="cost"/>.</summary>
    public BatchScheduler(
        BatchingOptions options, Func<IReadOnlyList<TokenizedText>, float[][]> run, BatchCostModel cost, ILogger logger, InferenceMetrics? metrics, TagList tags, string threadName)
    {
        _options = options;
        _run = run;
        _cost = cost;
        _logger = logger;
        _batchTexts = new TokenizedText[options.MaxBatchTexts];
        _metrics = metrics;
        _tags = tags;
        _maxWait = TimeSpan.FromMilliseconds(options.MaxWaitMilliseconds);
        _maxWaitTicks = (long)(_maxWait.TotalSeconds * Stopwatch.Frequency);
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

        var request = new Request(this, texts);
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
                _admissions.AddLast(request.Admission ??= new LinkedListNode<Request>(request));
                Log.AdmissionWaiting(_logger, texts.Length, _queued, _options.MaxQueuedTexts);
            }
            else if (!Fits(texts.Length))
            {
                _rejected++;
                _metrics?.Rejections.Add(1, _tags);
                Log.Rejected(_logger, texts.Length, _queued, _options.MaxQueuedTexts);
                throw new EngineBusyException(string.Create(CultureInfo.InvariantCulture,
                    $"The model is busy: {_queued} texts are waiting and this request's {texts.Length} would exceed the limit of {_options.MaxQueuedTexts}. Retry shortly."));
            }
            else
            {
                Enqueue(request);
            }
        }

        using var registration = cancellationToken.Register(
            static (state, token) => ((Request)state!).Owner.Cancel((Request)state!, token), request);
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
            if (request.Admission?.List is not null)
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
        _metrics?.QueueDepths.Add(-request.Waiting, _tags);
        request.Waiting = 0;
        AdmitWaiting();
    }

    private bool Fits(int count) => _queued + count <= _options.MaxQueuedTexts;

    /// <summary>Puts a request's texts in the queue. Caller holds the gate and has checked that they fit (or is stopping).</summary>
    private void Enqueue(Request request)
    {
        if (_arrivals.Count == 0)
        {
            // An idle engine runs a text at once: with nothing in flight, waiting would only add latency.
            _oldestArrival = _busy ? Stopwatch.GetTimestamp() : Stopwatch.GetTimestamp() - _maxWaitTicks;
        }

        for (var i = 0; i < request.Texts.Length; i++)
        {
            _arrivals.Add(new Item(request, i));
        }

        request.Waiting = request.Texts.Length;
        _queued += request.Texts.Length;
        _metrics?.QueueDepths.Add(request.Texts.Length, _tags);
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
            while (NextBatch())
            {
                Execute(_batch);
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

    /// <summary>Fills <see cref="_batch"/> with the next batch to run; false once stopped with nothing left.</summary>
    private bool NextBatch()
    {
        _batch.Clear();
        lock (_gate)
        {
            while (true)
            {
                TakeFromGeneration();
                if (_batch.Count > 0)
                {
                    _busy = true;
                    return true;
                }

                if (_arrivals.Count == 0)
                {
                    _busy = false;
                    if (!_accepting)
                    {
                        return false;
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

    /// <summary>Sorts everything waiting by length and cuts it into batches. Caller holds the gate.</summary>
    private void StartGeneration()
    {
        var count = 0;
        EnsureCapacity(ref _generation, _arrivals.Count);
        foreach (var item in _arrivals)
        {
            if (!item.Request.Abandoned)
            {
                _generation[count++] = item;
            }
        }

        // Sorting by (length, arrival position) keeps arrival order among texts of equal length.
        var keys = ArrayPool<long>.Shared.Rent(count);
        var lengths = ArrayPool<int>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                keys[i] = ((long)_generation[i].Length << 32) | (uint)i;
            }

            Array.Sort(keys, _generation, 0, count);
            for (var i = 0; i < count; i++)
            {
                lengths[i] = _generation[i].Length;
            }

            EnsureCapacity(ref _batchEnds, count);
            _batchCount = BatchPartitioner.Partition(
                lengths.AsSpan(0, count), _cost, _options.MaxBatchTexts, _options.MaxBatchTokens, _batchEnds);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(lengths);
        }

        _generationCount = count;
        _next = 0;
        _batchIndex = 0;

        // The two arrival lists take turns, so forming a generation allocates nothing once they have grown.
        (_arrivals, _spareArrivals) = (_spareArrivals, _arrivals);
        _arrivals.Clear();
    }

    /// <summary>Moves the generation's next batch into <see cref="_batch"/>, skipping abandoned texts. Caller holds the gate.</summary>
    private void TakeFromGeneration()
    {
        while (_batch.Count == 0 && _batchIndex < _batchCount)
        {
            var end = _batchEnds[_batchIndex++];
            for (; _next < end; _next++)
            {
                var item = _generation[_next];
                if (!item.Request.Abandoned)
                {
                    _batch.Add(item);
                    item.Request.Waiting--;
                }
            }
        }

        if (_batchIndex == _batchCount && _generationCount > 0)
        {
            // Drop the references so finished requests can be collected; the arrays are kept for the next generation.
            Array.Clear(_generation, 0, _generationCount);
            _generationCount = 0;
            _next = 0;
        }

        if (_batch.Count > 0)
        {
            _queued -= _batch.Count;
            _metrics?.QueueDepths.Add(-_batch.Count, _tags);
            AdmitWaiting();
        }
    }

    private static void EnsureCapacity<T>(ref T[] array, int count)
    {
        if (array.Length < count)
        {
            array = new T[Math.Max(count, array.Length * 2)];
        }
    }

    private void Execute(List<Item> batch)
    {
        var tokens = 0;
        var sequenceLength = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            _batchTexts[i] = batch[i].Text;
            tokens += _batchTexts[i].Length;
            sequenceLength = Math.Max(sequenceLength, _batchTexts[i].Length);
        }

        var texts = new ArraySegment<TokenizedText>(_batchTexts, 0, batch.Count);
        var started = Stopwatch.GetTimestamp();
        float[][] rows;
        try
        {
            rows = _run(texts);
        }
        catch (Exception ex)
        {
            Log.BatchFailed(_logger, ex, texts.Count, sequenceLength);
            FailRequestsOf(batch, ex);
            return;
        }
        finally
        {
            texts.AsSpan().Clear();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var paddedTokens = texts.Count * sequenceLength;
        var paddingShare = 1.0 - ((double)tokens / paddedTokens);
        lock (_gate)
        {
            _batches++;
            _texts += texts.Count;
            _tokens += tokens;
            _paddedTokens += paddedTokens;
            _largestBatchTexts = Math.Max(_largestBatchTexts, texts.Count);
            _largestBatchTokens = Math.Max(_largestBatchTokens, paddedTokens);
        }

        _metrics?.BatchSizes.Record(texts.Count, _tags);
        _metrics?.PaddingShares.Record(paddingShare, _tags);
        _metrics?.Durations.Record(elapsed.TotalSeconds, _tags);
        Log.BatchRan(_logger, texts.Count, sequenceLength, paddingShare, elapsed.TotalMilliseconds);

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

    /// <summary>Fails every request with a text in <paramref name="batch"/>, once each.</summary>
    private void FailRequestsOf(List<Item> batch, Exception ex)
    {
        _failedRequests.Clear();
        foreach (var item in batch)
        {
            if (_failedRequests.Add(item.Request))
            {
                lock (_gate)
                {
                    Abandon(item.Request);
                }

                item.Request.Completion.TrySetException(ex);
            }
        }

        _failedRequests.Clear();
    }

    private void FailEverything(Exception ex)
    {
        List<Request> requests;
        lock (_gate)
        {
            _fault = ex;
            requests = [.. _arrivals.Concat(_generation.Take(_generationCount).Skip(_next)).Select(i => i.Request).Concat(_admissions).Distinct()];
            _admissions.Clear();
            foreach (var request in requests)
            {
                Abandon(request);
            }

            _arrivals.Clear();
            _generationCount = 0;
            _batchCount = 0;
        }

        foreach (var request in requests)
        {
            request.Completion.TrySetException(ex);
        }
    }

    /// <summary>One caller's texts. Admission, Waiting and Abandoned are guarded by the gate; Results and Unfinished belong to the loop.</summary>
    private sealed class Request
    {
        public Request(BatchScheduler owner, TokenizedText[] texts)
        {
            Owner = owner;
            Texts = texts;
            Results = new float[texts.Length][];
            Unfinished = texts.Length;
        }

        public BatchScheduler Owner { get; }
        public TokenizedText[] Texts { get; }
        public float[][] Results { get; }
        public TaskCompletionSource<float[][]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The request's place among the callers waiting for capacity (made when it first waits); in no list once admitted.</summary>
        public LinkedListNode<Request>? Admission { get; set; }
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
