using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

// Queue, HTTP and Durable triggers have no function retry policy: the worker reports no retries for them.
internal sealed class LocalRetryContext : RetryContext
{
    public override int RetryCount => 0;

    public override int MaxRetryCount => 0;
}
