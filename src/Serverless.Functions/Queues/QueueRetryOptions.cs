using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Serverless.Functions.Queues;

/// <summary>
/// The queue trigger's retry limit, which the processor needs to know the last attempt: host.json's
/// <c>extensions.queues.maxDequeueCount</c>, or its app-setting override
/// <c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c>.
/// </summary>
public sealed class QueueRetryOptions
{
    /// <summary>The configuration key of the app-setting override.</summary>
    public const string OverrideKey = "AzureFunctionsJobHost:extensions:queues:maxDequeueCount";

    /// <summary>The Functions host's default.</summary>
    public const int DefaultMaxDequeueCount = 5;

    /// <summary>Attempts before a message goes to the poison queue.</summary>
    [Range(1, 1000)]
    public int MaxDequeueCount { get; set; } = DefaultMaxDequeueCount;

    /// <summary>Reads <c>extensions.queues.maxDequeueCount</c> from a host.json file; null when absent.</summary>
    public static int? ReadHostJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        return root?["extensions"]?["queues"]?["maxDequeueCount"]?.GetValue<int>();
    }
}
