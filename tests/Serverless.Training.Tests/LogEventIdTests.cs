using System.Reflection;
using Serverless.Inference;
using Serverless.Registry;
using Serverless.Testing;
using Serverless.Training.HeadOnly;

namespace Serverless.Training.Tests;

public sealed class LogEventIdTests
{
    public static TheoryData<string> Assemblies() =>
        new(new[] { typeof(HeadOnlyTrainer), typeof(BlobModelRegistry), typeof(ClassificationEngine) }.Select(t => t.Assembly.GetName().Name!));

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void ProductAssembly_EveryLogEventId_IsUsedOnce(string name)
    {
        var assembly = Assembly.Load(name);

        Assert.NotEmpty(LogEventIds.Of(assembly));
        Assert.Empty(LogEventIds.Collisions(assembly));
    }
}
