using System.ComponentModel.DataAnnotations;
using Azure.Storage.Queues;

namespace Serverless.LocalHost;

/// <summary>The queue trigger settings of <c>host.json</c> (extensions.queues), with the Functions defaults.</summary>
public sealed class QueueTriggerOptions
{
    /// <summary>Messages fetched per poll (Azure allows at most 32).</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>A new batch is fetched when this many or fewer messages are still in flight; -1 means half the batch size.</summary>
    [Range(-1, 1000)]
    public int NewBatchThreshold { get; set; } = -1;

    /// <summary>The longest wait between polls of an empty queue (polling backs off exponentially up to it).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before it is retried.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long a message being processed stays hidden (renewed at half time), so the message of a host that died
    /// reappears after it. Local host only (<c>extensions.queues.processingLease</c>); the Functions host uses 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c>.</summary>
    [Range(1, 1000)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How message bodies are encoded on the queue: <c>base64</c> (the Functions default) or <c>none</c>.</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.Base64;

    /// <summary>The threshold in effect: <see cref="NewBatchThreshold"/>, or half the batch size when unset.</summary>
    public int EffectiveNewBatchThreshold => NewBatchThreshold >= 0 ? NewBatchThreshold : BatchSize / 2;
}
