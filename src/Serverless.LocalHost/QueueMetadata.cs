using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using TaskOrchestrationContext = Microsoft.DurableTask.TaskOrchestrationContext;

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
