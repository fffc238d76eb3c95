using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>Queue functions declared exactly as a function app declares them.</summary>
public sealed class SampleQueueFunctions(QueueProbe probe)
{
    [Function("Record")]
    public void Record([QueueTrigger("%RecordQueue%")] string message, long dequeueCount) =>
        probe.Record("Record", message, dequeueCount);

    [Function("Flaky")]
    public void Flaky([QueueTrigger("%FlakyQueue%", Connection = "AzureWebJobsStorage")] string message, int dequeueCount)
    {
        probe.Record("Flaky", message, dequeueCount);
        throw new InvalidOperationException("the flaky sample always fails");
    }

    [Function("Slow")]
    public async Task Slow([QueueTrigger("%SlowQueue%")] string message, CancellationToken cancellationToken)
    {
        probe.Record("Slow:started", message, 0);
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        probe.Record("Slow:finished", message, 0);
    }

    [Function("Forward")]
    [QueueOutput("%ForwardTo%")]
    public Order Forward([QueueTrigger("%ForwardFrom%")] Order order) => order with { Total = order.Total * 2 };
}
