using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

using Serverless.Inference;

namespace Serverless.Serving.Tests;

/// <summary>Records the serving counters and the engines' counts (batch sizes) for one model name (test models get unique names, so tests never mix).</summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _model;
    private readonly ConcurrentQueue<(string Instrument, string? Version, long Value)> _measurements = new();

    public MetricRecorder(string model)
    {
        _model = model;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is ServingMetrics.MeterName or InferenceMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public long Count(string instrument, string? version = null) =>
        _measurements.Where(m => m.Instrument == instrument && (version is null || m.Version == version)).Sum(m => m.Value);

    /// <summary>The highest running total of an up-down counter, in the order its measurements arrived.</summary>
    public long MaxRunningSum(string instrument)
    {
        long sum = 0, max = 0;
        foreach (var (name, _, value) in _measurements)
        {
            if (name == instrument)
            {
                sum += value;
                max = Math.Max(max, sum);
            }
        }

        return max;
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? name = null, version = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "model.name")
            {
                name = tag.Value as string;
            }
            else if (tag.Key == "model.version")
            {
                version = tag.Value as string;
            }
        }

        if (name == _model)
        {
            _measurements.Enqueue((instrument.Name, version, value));
        }
    }
}
