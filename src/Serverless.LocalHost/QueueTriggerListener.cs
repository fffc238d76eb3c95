using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Serverless.LocalHost;

/// <summary>
/// Polls one queue for one queue-triggered function with host.json's settings, as the Functions queue listener does:
/// batches of <c>batchSize</c>, a new batch once in-flight messages drop to <c>newBatchThreshold</c>, exponential back-off
/// up to <c>maxPollingInterval</c> while empty, a failed message visible again after <c>visibilityTimeout</c>, and after
/// the <c>maxDequeueCount</c>-th failed attempt the message moves to <c>&lt;queue&gt;-poison</c>. A message delivered more
/// often than that (its host stopped during the last attempt) is still handed to the function once, which sees the count
/// and can answer it, and is poisoned only if that attempt fails too. Messages stay invisible while they are processed. On
/// stop it stops polling and waits for the messages in flight.
/// </summary>
internal sealed class QueueTriggerListener(
    LocalFunction function,
    QueueClient queue,
    QueueClient poisonQueue,
    QueueTriggerOptions options,
    FunctionInvoker invoker,
    ILogger<QueueTriggerListener> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _polling = new();
    private readonly CancellationTokenSource _invocations = new();
    private readonly SemaphoreSlim _completed = new(0);
    private Task _loop = Task.CompletedTask;
    private int _inFlight;

    public LocalFunction Function => function;

    public string QueueName => queue.Name;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"Function '{function.Name}' cannot reach its queue '{queue.Name}' at {queue.Uri.GetLeftPart(UriPartial.Authority)}: " +
                $"{exception.Message.Split('\n')[0]} Start Azurite (or the storage account) or fix the connection setting.", exception);
        }

        Log.Listening(logger, function.Name, queue.Name);
        _loop = Task.Run(() => PollAsync(_polling.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _polling.CancelAsync();
        await _loop;
        try
        {
            while (Volatile.Read(ref _inFlight) > 0)
            {
                await _completed.WaitAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownTimedOut(logger, function.Name, Volatile.Read(ref _inFlight));
            await _invocations.CancelAsync();
        }
    }

    public void Dispose()
    {
        _polling.Dispose();
        _invocations.Dispose();
        _completed.Dispose();
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        var delay = MinimumPollingInterval;
        var maxDelay = options.MaxPollingInterval > MinimumPollingInterval ? options.MaxPollingInterval : MinimumPollingInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                while (Volatile.Read(ref _inFlight) > options.EffectiveNewBatchThreshold)
                {
                    await _completed.WaitAsync(stopping);
                }

                QueueMessage[] messages = await queue.ReceiveMessagesAsync(options.BatchSize, options.ProcessingLease, stopping);
                if (messages.Length == 0)
                {
                    await Task.Delay(delay, stopping);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
                    continue;
                }

                delay = MinimumPollingInterval;
                foreach (var message in messages)
                {
                    Interlocked.Increment(ref _inFlight);
                    _ = Task.Run(() => ProcessAsync(message), CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.PollFailed(logger, exception, queue.Name, maxDelay.TotalSeconds);
                try
                {
                    await Task.Delay(maxDelay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        try
        {
            var lease = new Lease(message.PopReceipt);
            Exception? failure = null;
            using (var renewal = CancellationTokenSource.CreateLinkedTokenSource(_invocations.Token))
            {
                var keepInvisible = KeepInvisibleAsync(message.MessageId, lease, renewal.Token);
                try
                {
                    await invoker.InvokeQueueAsync(function, message, queue.Name, _invocations.Token);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                await renewal.CancelAsync();
                await keepInvisible;
            }

            if (failure is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt);
            }
            else if (message.DequeueCount >= options.MaxDequeueCount)
            {
                // Also a message past the limit (an attempt ended without an outcome, the host stopped mid-way): it was
                // still handed to the function, which sees the count and may answer it, and is poisoned only if that fails.
                await MoveToPoisonAsync(message, lease.PopReceipt);
            }
            else
            {
                Log.WillRetry(logger, message.MessageId, queue.Name, message.DequeueCount, options.MaxDequeueCount,
                    options.VisibilityTimeout.TotalSeconds);
                await queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: options.VisibilityTimeout);
            }
        }
        catch (Exception exception)
        {
            // The message reappears when its lease ends and is tried again then.
            Log.CompletionFailed(logger, exception, message.MessageId, queue.Name);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _completed.Release();
        }
    }

    private async Task KeepInvisibleAsync(string messageId, Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.ProcessingLease / 2, cancellationToken);
                var receipt = await queue.UpdateMessageAsync(messageId, lease.PopReceipt, visibilityTimeout: options.ProcessingLease,
                    cancellationToken: cancellationToken);
                lease.PopReceipt = receipt.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Log.LeaseRenewalFailed(logger, exception, messageId, queue.Name);
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt)
    {
        await poisonQueue.CreateIfNotExistsAsync();
        await poisonQueue.SendMessageAsync(message.Body);
        await queue.DeleteMessageAsync(message.MessageId, popReceipt);
        Log.MovedToPoison(logger, message.MessageId, queue.Name, message.DequeueCount, poisonQueue.Name);
    }

    private sealed class Lease(string popReceipt)
    {
        public string PopReceipt { get; set; } = popReceipt;
    }
}
