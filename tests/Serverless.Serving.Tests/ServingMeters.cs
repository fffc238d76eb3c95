using System.Diagnostics.Metrics;

using Microsoft.Extensions.DependencyInjection;

using Serverless.Inference;

namespace Serverless.Serving.Tests;

/// <summary>
/// The serving metrics on a real meter factory, as a host makes them; <see cref="MetricRecorder"/> listens to them by
/// meter name. Disposing ends the meters.
/// </summary>
internal sealed class ServingMeters : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public ServingMeters()
    {
        Metrics = new ServingMetrics(_services.GetRequiredService<IMeterFactory>());
        Engines = new InferenceMetrics(_services.GetRequiredService<IMeterFactory>());
    }

    public ServingMetrics Metrics { get; }

    public InferenceMetrics Engines { get; }

    public void Dispose() => _services.Dispose();
}
