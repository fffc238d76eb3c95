using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;

namespace Serverless.Testing;

/// <summary>What a <see cref="LoadRun"/> saw.</summary>
/// <param name="Clients">Concurrent HTTP clients.</param>
/// <param name="Seconds">How long the clients sent requests.</param>
/// <param name="Requests">HTTP requests answered.</param>
/// <param name="Statuses">HTTP answers by status code.</param>
/// <param name="P50Milliseconds">Median HTTP latency.</param>
/// <param name="P99Milliseconds">99th percentile HTTP latency.</param>
/// <param name="QueueSent">Queue messages sent during the run.</param>
/// <param name="QueueAnswered">Of those, answered with a result.</param>
/// <param name="QueueErrors">Of those, answered with an error result, or never answered.</param>
/// <param name="FirstErrors">The first few errors, to say what went wrong.</param>
public sealed record LoadReport(
    int Clients, double Seconds, int Requests, IReadOnlyDictionary<int, int> Statuses, double P50Milliseconds, double P99Milliseconds,
    int QueueSent, int QueueAnswered, int QueueErrors, IReadOnlyList<string> FirstErrors)
{
    /// <summary>HTTP answers other than 200 (a 429 counts: at this load the engine must keep up).</summary>
    public int HttpErrors => Statuses.Where(s => s.Key != 200).Sum(s => s.Value);

    /// <summary>Every error, HTTP and queue.</summary>
    public int Errors => HttpErrors + QueueErrors;

    /// <summary>A table for a console or an issue note.</summary>
    public override string ToString()
    {
        var statuses = string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));
        return $"""
            | measure | value |
            |---|---|
            | HTTP clients | {Clients} |
            | seconds | {Seconds:F1} |
            | HTTP requests (one text each) | {Requests} ({Requests / Seconds:F1}/s) |
            | HTTP statuses | {statuses} |
            | HTTP latency p50 / p99 | {P50Milliseconds:F1} ms / {P99Milliseconds:F1} ms |
            | queue messages sent / answered / errors | {QueueSent} / {QueueAnswered} / {QueueErrors} |
            | errors | {Errors} |
            """;
    }
}

/// <summary>
/// A load run against a running app: <c>clients</c> HTTP clients each send one text per request to <c>POST /api/classify</c>
/// back to back for the duration while queue messages of one text each are sent at a steady rate; then every queue message's
/// answer is awaited. Errors are any HTTP answer but 200 and any queue message answered with an error or not at all.
/// </summary>
public static class LoadRun
{
    private const int KeptErrors = 5;

    /// <summary>Runs the load; <paramref name="queueMessagesPerSecond"/> 0 sends no queue traffic.</summary>
    public static async Task<LoadReport> RunAsync(
        Uri baseAddress, QueueClient requests, QueueClient results, IReadOnlyList<string> texts,
        int clients, TimeSpan duration, int queueMessagesPerSecond, TimeSpan answerTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var statuses = new ConcurrentDictionary<int, int>();
        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentQueue<string>();
        var next = -1;
        var started = Stopwatch.StartNew();

        async Task ClientAsync()
        {
            while (started.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                var text = texts[(int)((uint)Interlocked.Increment(ref next) % (uint)texts.Count)];
                using var content = new StringContent(JsonSerializer.Serialize(new { text }), Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var sent = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await http.PostAsync("api/classify", content, cancellationToken);
                    status = (int)response.StatusCode;
                    if (status != 200 && errors.Count < KeptErrors)
                    {
                        errors.Enqueue($"HTTP {status}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                }
                catch (HttpRequestException e)
                {
                    status = 0;
                    if (errors.Count < KeptErrors)
                    {
                        errors.Enqueue($"HTTP connection failed: {e.Message}");
                    }
                }

                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        }

        var sentIds = new ConcurrentDictionary<string, bool>();
        async Task ProduceAsync()
        {
            if (queueMessagesPerSecond <= 0)
            {
                return;
            }

            var interval = TimeSpan.FromSeconds(1.0 / queueMessagesPerSecond);
            var run = Guid.NewGuid().ToString("N")[..8];
            for (var i = 0; started.Elapsed < duration && !cancellationToken.IsCancellationRequested; i++)
            {
                var id = $"load-{run}-{i}";
                var text = texts[i % texts.Count];
                await requests.SendMessageAsync(JsonSerializer.Serialize(new { id, text }), cancellationToken);
                sentIds[id] = true;
                var due = interval * (i + 1) - started.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(ClientAsync, cancellationToken)).Append(ProduceAsync()));
        var seconds = started.Elapsed.TotalSeconds;

        var (answered, failed) = await CollectAnswersAsync(results, sentIds, answerTimeout, errors, cancellationToken);
        var sorted = latencies.Order().ToArray();
        return new LoadReport(clients, seconds, sorted.Length, new Dictionary<int, int>(statuses),
            Percentile(sorted, 0.50), Percentile(sorted, 0.99), sentIds.Count, answered, failed + (sentIds.Count - answered - failed), [.. errors]);
    }

    private static async Task<(int Answered, int Failed)> CollectAnswersAsync(
        QueueClient results, ConcurrentDictionary<string, bool> expected, TimeSpan timeout, ConcurrentQueue<string> errors, CancellationToken cancellationToken)
    {
        var answered = 0;
        var failed = 0;
        var pending = new HashSet<string>(expected.Keys);
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0 && deadline.Elapsed < timeout)
        {
            var messages = (await results.ReceiveMessagesAsync(32, cancellationToken: cancellationToken)).Value;
            if (messages.Length == 0)
            {
                await Task.Delay(100, cancellationToken);
                continue;
            }

            foreach (var message in messages)
            {
                await results.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                using var reply = JsonDocument.Parse(message.Body.ToString());
                var id = reply.RootElement.TryGetProperty("id", out var value) ? value.GetString() : null;
                if (id is null || !pending.Remove(id))
                {
                    continue;
                }

                if (reply.RootElement.TryGetProperty("error", out var error))
                {
                    failed++;
                    if (errors.Count < KeptErrors)
                    {
                        errors.Enqueue($"queue {id}: {error}");
                    }
                }
                else
                {
                    answered++;
                }
            }
        }

        if (pending.Count > 0 && errors.Count < KeptErrors)
        {
            errors.Enqueue($"{pending.Count} queue messages were not answered within {timeout.TotalSeconds:F0} s");
        }

        return (answered, failed);
    }

    /// <summary>The <paramref name="p"/> quantile (0–1) of <paramref name="sorted"/> by the nearest-rank method; 0 when empty.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
