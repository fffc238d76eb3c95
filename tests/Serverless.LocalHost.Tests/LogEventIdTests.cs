using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void LocalHost_EveryLogEventId_IsUsedOnce()
    {
        var assembly = typeof(HostJson).Assembly;

        Assert.NotEmpty(LogEventIds.Of(assembly));
        Assert.Empty(LogEventIds.Collisions(assembly));
    }
}
