using System.Collections.Concurrent;
using System.Diagnostics;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;

namespace Serverless.Inference.Tests;

/// <summary>
/// The scheduler on its own, with a run that answers each text with its length and can be held: what waits, what runs
/// together and what is refused while a batch is running can then be asserted exactly. The engine's tests cover it with
/// real models.
/// </summary>
public sealed class BatchSchedulerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    // A run costs what 20 token positions cost.
    private static readonly BatchCostModel s_cost = new(20e-6, 1e-6);

    [Fact]
    public async Task Run_IdleEngine_RunsARequestAtOnceWithoutWaitingOutTheWindow()
    {
        // A window far longer than any scheduling delay on a busy machine: waiting it out would be unmistakable.
        await using var scheduler = new HeldScheduler(new BatchingOptions { MaxWaitMilliseconds = 1000 }, held: false);

        var started = Stopwatch.GetTimestamp();
        await scheduler.RunAsync([Text(5)]).WaitAsync(s_timeout);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(elapsed < TimeSpan.FromMilliseconds(900), $"An idle engine should not wait out its 1,000 ms window (took {elapsed.TotalMilliseconds:F0} ms).");
    }

    [Fact]
    public async Task Run_WhileABatchRuns_TextsArrivingMeanwhileShareTheNextBatch()
    {
        await using var scheduler = new HeldScheduler(new BatchingOptions { MaxWaitMilliseconds = 0 });
        var first = scheduler.RunAsync([Text(5)]);
        await scheduler.WaitUntilRunningAsync();

        var later = Enumerable.Range(0, 6).Select(i => scheduler.RunAsync([Text(3 + i)])).ToArray();
        scheduler.Release();
        await Task.WhenAll(later.Append(first)).WaitAsync(s_timeout);

        Assert.Equal([[5], [3, 4, 5, 6, 7, 8]], scheduler.Batches);
    }

    [Fact]
    public async Task Run_GenerationWithOneLongText_RunsTheLongTextAloneAndAnswersInRequestOrder()
    {
        await using var scheduler = new HeldScheduler(new BatchingOptions { MaxBatchTexts = 8, MaxWaitMilliseconds = 0 });
        var blocker = scheduler.RunAsync([Text(2)]);
        await scheduler.WaitUntilRunningAsync();

        int[] lengths = [5, 100, 4, 5, 3];
        var request = scheduler.RunAsync([.. lengths.Select(Text)]);
        scheduler.Release();
        var rows = await request.WaitAsync(s_timeout);
        await blocker;

        // Count limits alone would run all five padded to 100 tokens: 500 positions for 117 real ones.
        Assert.Equal([[2], [3, 4, 5, 5], [100]], scheduler.Batches);
        Assert.Equal(lengths, rows.Select(r => (int)r[0]));
    }

    [Fact]
    public async Task Run_QueueFull_ThrowsEngineBusyAtOnceAndQueuedWorkStillCompletes()
    {
        await using var scheduler = new HeldScheduler(new BatchingOptions { MaxQueuedTexts = 4 });
        var running = scheduler.RunAsync([Text(3)]);
        await scheduler.WaitUntilRunningAsync();
        var queued = scheduler.RunAsync([Text(3), Text(4), Text(5)]);

        var busy = scheduler.RunAsync([Text(3), Text(4)]);

        Assert.True(busy.IsFaulted, "A full queue must answer at once, not wait.");
        var error = await Assert.ThrowsAsync<EngineBusyException>(() => busy);
        Assert.Equal(429, error.Status);
        scheduler.Release();
        Assert.Equal(3, (await queued.WaitAsync(s_timeout)).Length);
        Assert.Single(await running);
        Assert.Equal(1, scheduler.Statistics.Rejected);
    }

    [Fact]
    public async Task Run_RequestCancelledWhileQueued_IsCancelledNotRunAndOthersStillGetResults()
    {
        await using var scheduler = new HeldScheduler(new BatchingOptions());
        var running = scheduler.RunAsync([Text(9)]);
        await scheduler.WaitUntilRunningAsync();
        using var cancellation = new CancellationTokenSource();
        var cancelled = scheduler.RunAsync([Text(3), Text(4)], cancellationToken: cancellation.Token);
        var kept = scheduler.RunAsync([Text(5)]);

        await cancellation.CancelAsync();
        scheduler.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(5, (await kept.WaitAsync(s_timeout))[0][0]);
        await running;
        Assert.Equal([[9], [5]], scheduler.Batches);
        Assert.Equal(0, scheduler.Statistics.QueuedTexts);
    }

    [Fact]
    public async Task Run_WaitingForCapacityCancelled_LeavesTheWaitAndTheCallersBehindItProceed()
    {
        await using var scheduler = new HeldScheduler(new BatchingOptions { MaxQueuedTexts = 4 });
        var running = scheduler.RunAsync([Text(2)]);
        await scheduler.WaitUntilRunningAsync();
        var queued = scheduler.RunAsync([Text(3), Text(4), Text(5)]);
        using var cancel = new CancellationTokenSource();
        var cancelled = scheduler.RunAsync([Text(3), Text(4), Text(5), Text(6)], waitForCapacity: true, cancel.Token);
        var behind = scheduler.RunAsync([Text(7)], waitForCapacity: true);

        Assert.False(cancelled.IsCompleted, "A full queue makes a caller that waits for capacity wait, not fail.");
        Assert.False(behind.IsCompleted, "Waiting callers are admitted first come, first served.");
        await cancel.CancelAsync();
        scheduler.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Single(await behind.WaitAsync(s_timeout));
        Assert.Equal(3, (await queued).Length);
        await running;
        Assert.Equal(0, scheduler.Statistics.Rejected);
    }

    [Fact]
    public async Task Run_ManyConcurrentCallersOfMixedLengths_EachGetsItsOwnRowsWithinTheLimits()
    {
        var options = new BatchingOptions { MaxBatchTexts = 5, MaxBatchTokens = 120, MaxWaitMilliseconds = 1 };
        await using var scheduler = new HeldScheduler(options, held: false);
        var requests = Enumerable.Range(0, 40).Select(r => Enumerable.Range(0, 1 + (r % 3)).Select(t => 1 + ((r * 7 + t * 13) % 60)).ToArray()).ToArray();

        var rows = await Task.WhenAll(requests.Select(r => Task.Run(() => scheduler.RunAsync([.. r.Select(Text)])))).WaitAsync(s_timeout);

        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(requests[r], rows[r].Select(row => (int)row[0]));
        }

        Assert.All(scheduler.Batches, b =>
        {
            Assert.InRange(b.Length, 1, options.MaxBatchTexts);
            Assert.True(b.Length == 1 || b.Length * b.Max() <= options.MaxBatchTokens, $"Batch [{string.Join(", ", b)}] exceeds the token budget.");
        });
    }

    private static TokenizedText Text(int length) => new(new int[length], Truncated: false);

    /// <summary>A scheduler whose runs wait for <see cref="Release"/> (once released, runs go through).</summary>
    private sealed class HeldScheduler : IAsyncDisposable
    {
        private readonly BatchScheduler _scheduler;
        private readonly ManualResetEventSlim _gate;
        private readonly SemaphoreSlim _running = new(0);
        private readonly ConcurrentQueue<int[]> _batches = new();

        public HeldScheduler(BatchingOptions options, bool held = true)
        {
            _gate = new ManualResetEventSlim(initialState: !held);
            _scheduler = new BatchScheduler(options, Run, s_cost, NullLogger.Instance, metrics: null, default, "test scheduler");
            _scheduler.Start();
        }

        public int[][] Batches => [.. _batches];

        public EngineStatistics Statistics => _scheduler.Snapshot();

        public Task<float[][]> RunAsync(TokenizedText[] texts, bool waitForCapacity = false, CancellationToken cancellationToken = default) =>
            _scheduler.RunAsync(texts, waitForCapacity, cancellationToken);

        public Task WaitUntilRunningAsync() => _running.WaitAsync(s_timeout);

        public void Release() => _gate.Set();

        public async ValueTask DisposeAsync()
        {
            _gate.Set();
            await _scheduler.StopAsync().WaitAsync(s_timeout);
            _gate.Dispose();
            _running.Dispose();
        }

        private float[][] Run(IReadOnlyList<TokenizedText> texts)
        {
            _running.Release();
            _gate.Wait(s_timeout);
            _batches.Enqueue([.. texts.Select(t => t.Length)]);
            return [.. texts.Select(t => new float[] { t.Length })];
        }
    }
}
