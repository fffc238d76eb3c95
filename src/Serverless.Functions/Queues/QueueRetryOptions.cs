using System.ComponentModel.DataAnnotations;

namespace Serverless.Functions.Queues;

/// <summary>
/// The queue trigger's retry limit, which the processor needs to know the last attempt: host.json's
/// <c>extensions.queues.maxDequeueCount</c>, or its app-setting override
/// <c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c> (both read by <see cref="HostJsonConfiguration"/>).
/// </summary>
public sealed class QueueRetryOptions
{
    /// <summary>The key of the limit in <see cref="HostJsonConfiguration"/>.</summary>
    public const string HostJsonKey = "extensions:queues:maxDequeueCount";

    /// <summary>The Functions host's default.</summary>
    public const int DefaultMaxDequeueCount = 5;

    /// <summary>Attempts before a message goes to the poison queue.</summary>
    [Range(1, 1000)]
    public int MaxDequeueCount { get; set; } = DefaultMaxDequeueCount;
}
