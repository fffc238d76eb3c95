namespace Serverless.LocalHost;

/// <summary>
/// The Durable Task settings of <c>host.json</c> (<c>extensions.durableTask</c>) the local host honours, so that it uses the
/// same task hub and storage layout as the Durable extension under <c>func start</c>.
/// </summary>
/// <param name="HubName">
/// <c>hubName</c> with <c>%Setting%</c> references resolved; <see cref="DefaultHubName"/> when unset, as the extension does
/// outside Azure.
/// </param>
/// <param name="MaxQueuePollingInterval">
/// <c>storageProvider.maxQueuePollingInterval</c>; <see cref="DefaultMaxQueuePollingInterval"/> when unset (the extension's
/// 30 s makes a local run crawl).
/// </param>
/// <param name="PartitionCount"><c>storageProvider.partitionCount</c>: control queues of the task hub (default 4).</param>
public sealed record DurableTaskSettings(string HubName, TimeSpan MaxQueuePollingInterval, int PartitionCount)
{
    /// <summary>The task hub name the Durable extension uses when host.json names none and the app is not in Azure.</summary>
    public const string DefaultHubName = "TestHubName";

    /// <summary>The local default of the longest wait between polls of an idle task hub queue.</summary>
    public static readonly TimeSpan DefaultMaxQueuePollingInterval = TimeSpan.FromSeconds(1);

    /// <summary>The Azure Storage backend's default number of control queues.</summary>
    public const int DefaultPartitionCount = 4;
}
