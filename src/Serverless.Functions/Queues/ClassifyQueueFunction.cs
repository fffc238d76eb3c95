using Microsoft.Azure.Functions.Worker;

namespace Serverless.Functions.Queues;

/// <summary>Classifies messages of the requests queue (app setting <c>ClassifyRequestsQueue</c>, default <c>classify-requests</c>).</summary>
public sealed class ClassifyQueueFunction(ClassifyQueueProcessor processor)
{
    /// <summary>
    /// host.json sets <c>messageEncoding</c> to <c>none</c> so plain JSON arrives intact; base64 is detected by the
    /// processor. <paramref name="dequeueCount"/> comes from the trigger's metadata.
    /// </summary>
    [Function("ClassifyQueue")]
    public Task Run(
        [QueueTrigger("%ClassifyRequestsQueue%", Connection = "AzureWebJobsStorage")] string message,
        int dequeueCount,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, dequeueCount, cancellationToken);
}
