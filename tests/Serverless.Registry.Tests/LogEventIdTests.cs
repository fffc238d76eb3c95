using Serverless.Testing;

namespace Serverless.Registry.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Registry_EveryLogEventId_IsUsedOnce()
    {
        var assembly = typeof(BlobModelRegistry).Assembly;

        Assert.NotEmpty(LogEventIds.Of(assembly));
        Assert.Empty(LogEventIds.Collisions(assembly));
    }
}
