using Microsoft.Extensions.Logging;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

public sealed partial class LogEventIdTests
{
    [Fact]
    public void FunctionApp_EveryLogEventId_IsUsedOnce()
    {
        var assembly = typeof(FunctionsServiceCollectionExtensions).Assembly;

        Assert.NotEmpty(LogEventIds.Of(assembly));
        Assert.Empty(LogEventIds.Collisions(assembly));
    }

    [Fact]
    public void Collisions_TheSameIdInTwoLogClasses_AreFound()
    {
        var collisions = LogEventIds.Collisions(typeof(LogEventIdTests).Assembly);

        var collision = Assert.Single(collisions);
        Assert.StartsWith("9999: ", collision, StringComparison.Ordinal);
        Assert.Contains(nameof(FirstLog.First), collision, StringComparison.Ordinal);
        Assert.Contains(nameof(SecondLog.Second), collision, StringComparison.Ordinal);
    }

    // The generator checks ids within one class only; these two classes share one, which only the reflection sees.
    private static partial class FirstLog
    {
        [LoggerMessage(9999, LogLevel.Information, "first")]
        public static partial void First(ILogger logger);
    }

    private static partial class SecondLog
    {
        [LoggerMessage(9999, LogLevel.Information, "second")]
        public static partial void Second(ILogger logger);
    }
}
