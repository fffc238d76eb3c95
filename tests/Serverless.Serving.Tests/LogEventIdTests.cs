using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.Serving.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Serving_EveryLogEventId_IsUsedOnce()
    {
        var assembly = typeof(ServedModels).Assembly;

        Assert.NotEmpty(LogEventIds.Of(assembly));
        Assert.Empty(LogEventIds.Collisions(assembly));
    }

    [Fact]
    public void Serving_KeepsTheEventIdsItHadInTheRegistry_AndSharesNoneWithIt()
    {
        var serving = LogEventIds.Of(typeof(ServedModels).Assembly);
        var registry = LogEventIds.Of(typeof(BlobModelRegistry).Assembly);

        Assert.Equal(["Serverless.Serving.Log.ModelLoaded"], serving[200]);
        Assert.Equal(["Serverless.Serving.Log.Swapped"], serving[202]);
        Assert.Equal(["Serverless.Serving.Log.VariantLoaded"], serving[141]);
        Assert.Empty(serving.Keys.Intersect(registry.Keys));
    }
}
