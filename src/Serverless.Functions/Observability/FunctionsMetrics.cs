using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.Functions.Observability;

/// <summary>
/// Metrics of the function app (meter <see cref="MeterName"/>): requests and latency by function and status, refusals by problem type, classifications
/// by model version and source, 429 rejections, and queue messages by outcome. Thread-safe.
/// </summary>
public sealed class FunctionsMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Serverless.Functions";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _texts;
    private readonly Histogram<double> _classifyDuration;
    private readonly Counter<long> _queueMessages;
    private readonly Counter<long> _trainingRuns;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public FunctionsMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("serverless.functions.requests", "{request}", "HTTP requests handled, by function and status code.");
        _requestDuration = _meter.CreateHistogram<double>("serverless.functions.request.duration", "s", "HTTP request latency, by function and status code.");
        _rejected = _meter.CreateCounter<long>("serverless.functions.rejected", "{request}", "Requests rejected with 429 because the engine's queue was full.");
        _refused = _meter.CreateCounter<long>("serverless.functions.refused", "{refusal}", "Requests and queue messages refused with a problem (4xx, 503), by source and problem type.");
        _texts = _meter.CreateCounter<long>("serverless.functions.classified_texts", "{text}", "Texts classified, by model, version and source.");
        _classifyDuration = _meter.CreateHistogram<double>("serverless.functions.classify.duration", "s", "Classification latency, by model, version and source.");
        _queueMessages = _meter.CreateCounter<long>("serverless.functions.queue.messages", "{message}", "Queue messages by outcome: processed, replayed, rejected, retried, poisoned.");
        _trainingRuns = _meter.CreateCounter<long>("serverless.functions.training.runs", "{run}", "Training runs that ended, by model and outcome (Published, Rejected, Failed, Canceled).");
    }

    /// <summary>Records one HTTP request.</summary>
    public void Request(string function, int status, TimeSpan elapsed)
    {
        var tags = new TagList { { "function", function }, { "http.response.status_code", status } };
        _requests.Add(1, tags);
        _requestDuration.Record(elapsed.TotalSeconds, tags);
        if (status == 429)
        {
            _rejected.Add(1, new TagList { { "function", function } });
        }
    }

    /// <summary>Records one classification.</summary>
    public void Classified(string model, string version, string source, int texts, TimeSpan elapsed)
    {
        var tags = new TagList { { "model", model }, { "model.version", version }, { "source", source } };
        _texts.Add(texts, tags);
        _classifyDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Records a refusal: a request or message answered with a problem that is not a server fault.</summary>
    /// <param name="source">Where it came from: the HTTP function's name, or "queue".</param>
    /// <param name="problemType">The problem type URI.</param>
    public void Refused(string source, string problemType) =>
        _refused.Add(1, new TagList { { "source", source }, { "problem.type", problemType } });

    /// <summary>Records a 429 outside HTTP (a queue message that found the engine busy).</summary>
    public void Rejected(string source) => _rejected.Add(1, new TagList { { "source", source } });

    /// <summary>Records what became of one queue message.</summary>
    public void QueueMessage(QueueOutcome outcome) =>
        _queueMessages.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));

    /// <inheritdoc />
    /// <summary>Counts a training run that ended.</summary>
    public void TrainingRunEnded(string model, string status) =>
        _trainingRuns.Add(1, new TagList { { "model", model }, { "outcome", status } });

    public void Dispose() => _meter.Dispose();
}
