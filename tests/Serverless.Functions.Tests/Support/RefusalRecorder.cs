using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Serverless.Functions.Tests.Support;

/// <summary>Records the function app's <c>serverless.functions.refused</c> counter for one source (a function name, or "queue").</summary>
internal sealed class RefusalRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public RefusalRecorder(string source)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "serverless.functions.refused")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? from = null, type = null;
            foreach (var tag in tags)
            {
                from = tag.Key == "source" ? tag.Value as string : from;
                type = tag.Key == "problem.type" ? tag.Value as string : type;
            }

            if (from == source && type is not null)
            {
                Types.Enqueue(type);
            }
        });
        _listener.Start();
    }

    /// <summary>The problem type of every refusal recorded, in order.</summary>
    public ConcurrentQueue<string> Types { get; } = new();

    public void Dispose() => _listener.Dispose();
}
