using Azure.Storage.Queues.Models;

namespace Serverless.LocalHost;

/// <summary>The metadata a queue trigger offers for binding by parameter name, as the queue extension names it.</summary>
internal static class QueueMetadata
{
    public static readonly string[] Names = ["QueueTrigger", "DequeueCount", "Id", "PopReceipt", "InsertionTime", "ExpirationTime", "NextVisibleTime"];

    public static IReadOnlyDictionary<string, object?> Of(QueueMessage message) =>
        new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["QueueTrigger"] = message.Body?.ToString(),
            ["DequeueCount"] = message.DequeueCount,
            ["Id"] = message.MessageId,
            ["PopReceipt"] = message.PopReceipt,
            ["InsertionTime"] = message.InsertedOn,
            ["ExpirationTime"] = message.ExpiresOn,
            ["NextVisibleTime"] = message.NextVisibleOn,
        };
}
