using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;

using Serverless.Options;
using Serverless.Testing;

namespace Serverless.Benchmarks;

/// <summary>
/// The serving table: one run against a running app (<c>./run.sh</c>) on the same texts — the 1,000 Fine Food test reviews
/// — through HTTP (bulk requests, 32 concurrent clients with one text each, one client with one text at a time) and the
/// queue (1,000 messages of one text each, first send to last reply), with the app's resident memory after the first
/// answer, after the first 1,000 texts and after the whole run, and where each row's processor time went: the app, the
/// storage emulator and this load generator, per text. Exits 1 when any request or message failed.
/// </summary>
/// <remarks>
/// Compiled and asynchronous on purpose: a scripted client on the same 2 cores would take more of them than the server.
/// The app's process is the one listening on the URL's port (read from /proc), or <c>--pid N</c>; the storage's is the
/// one listening on the queue endpoint's port when that is local (Azurite), else its column reads n/a.
/// </remarks>
internal static class ServingBenchmark
{
    private const int BulkTextsPerRequest = 32;
    private const int BulkClients = 2;
    private const int ConcurrentClients = 32;
    private const int SingleClientTexts = 200;
    private const int QueueSenders = 8;
    private const int QueueReceivers = 4;
    private const string QueueIdPrefix = "serving-";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToArray();
        var url = new Uri(positional.ElementAtOrDefault(0) ?? "http://localhost:7071");
        var pid = Option(args, "--pid") ?? ProcessReadings.FindListener(url.Port);
        var storage = LoadBenchmark.Storage();
        var queueEndpoint = new QueueClient(storage, "classify-requests").Uri;
        var storagePid = queueEndpoint.IsLoopback ? ProcessReadings.FindListener(queueEndpoint.Port) : null;
        var processes = new Processes(pid, storagePid);
        var reviews = ReviewsCsv.ReadColumn(ReviewsCsv.DefaultPath(), "review");
        var texts = reviews.Take(Option(args, "--texts") ?? reviews.Count).ToList();
        Console.WriteLine($"Serving run against {url} (app pid {pid?.ToString(CultureInfo.InvariantCulture) ?? "not found"}), {texts.Count} reviews");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(120),
        };
        var rows = new List<ServingRow>();
        var errors = new ConcurrentQueue<string>();

        var first = await HttpPhaseAsync("first answer", http, [[texts[0]]], clients: 1, errors, cancellationToken);
        var afterFirst = ProcessReadings.ResidentMegabytes(pid);

        var bulk = await MeasuredAsync(processes, () => HttpPhaseAsync($"HTTP bulk ({BulkClients} clients, {BulkTextsPerRequest} texts per request)", http,
            texts.Chunk(BulkTextsPerRequest).ToArray(), BulkClients, errors, cancellationToken));
        rows.Add(bulk);
        var afterThousand = ProcessReadings.ResidentMegabytes(pid);

        rows.Add(await MeasuredAsync(processes, () => HttpPhaseAsync($"HTTP {ConcurrentClients} concurrent clients, one text each", http,
            texts.Select(t => new[] { t }).ToArray(), ConcurrentClients, errors, cancellationToken)));
        rows.Add(await MeasuredAsync(processes, () => HttpPhaseAsync("HTTP 1 client, one text at a time", http,
            texts.Take(SingleClientTexts).Select(t => new[] { t }).ToArray(), clients: 1, errors, cancellationToken)));
        var queue = await MeasuredAsync(processes, () => QueuePhaseAsync(storage, texts, errors, cancellationToken));
        rows.Add(queue);
        await DeleteStoredResultsAsync(storage, cancellationToken);
        var afterRun = ProcessReadings.ResidentMegabytes(pid);

        var report = new StringBuilder()
            .AppendLine("| row | texts | texts/s | p50 | p99 | errors | CPU ms per text: app / storage / load generator |")
            .AppendLine("|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.Texts} | {row.TextsPerSecond:F1} | {row.P50Milliseconds:F1} ms | {row.P99Milliseconds:F1} ms | {row.Errors} | " +
                $"{Milliseconds(row.Cpu?.App)} / {Milliseconds(row.Cpu?.Storage)} / {Milliseconds(row.Cpu?.LoadGenerator)} |");
        }

        report.AppendLine()
            .AppendLine("| ratio | value |")
            .AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| 32 clients / bulk | {rows[1].TextsPerSecond / bulk.TextsPerSecond:F2} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| queue / bulk | {queue.TextsPerSecond / bulk.TextsPerSecond:F2} |")
            // What the queue row would reach with storage on machines of its own (as in Azure): bulk's app time per text
            // over the queue's.
            .AppendLine(CultureInfo.InvariantCulture, $"| queue / bulk, app CPU per text only | {Ratio(bulk.Cpu?.App, queue.Cpu?.App)} |")
            .AppendLine()
            .AppendLine("| resident memory of the app | MB |")
            .AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| after the first answer | {Megabytes(afterFirst)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| after the first {texts.Count} texts | {Megabytes(afterThousand)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| after the whole run | {Megabytes(afterRun)} |");
        Console.WriteLine(report);
        foreach (var error in errors.Take(5))
        {
            Console.WriteLine("  " + error);
        }

        return first.Errors + rows.Sum(r => r.Errors) == 0 ? 0 : 1;
    }

    private static int? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : null;

    private static string Megabytes(double? value) => value is { } mb ? mb.ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    private static string Milliseconds(double? value) => value is { } ms ? ms.ToString("F1", CultureInfo.InvariantCulture) : "n/a";

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d and > 0 ? (n / d).ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Runs <paramref name="phase"/> and adds the processor time each process spent on it, per text.</summary>
    private static async Task<ServingRow> MeasuredAsync(Processes processes, Func<Task<ServingRow>> phase)
    {
        var before = processes.Read();
        var row = await phase();
        var after = processes.Read();
        double? PerText(double? start, double? end) => start is { } s && end is { } e ? (e - s) * 1000 / row.Texts : null;
        return row with
        {
            Cpu = new CpuPerText(PerText(before.App, after.App), PerText(before.Storage, after.Storage), PerText(before.LoadGenerator, after.LoadGenerator)),
        };
    }

    /// <summary>Sends every request of <paramref name="requests"/> once, from <paramref name="clients"/> clients back to back.</summary>
    private static async Task<ServingRow> HttpPhaseAsync(
        string name, HttpClient http, string[][] requests, int clients, ConcurrentQueue<string> errors, CancellationToken cancellationToken)
    {
        var bodies = requests.Select(texts => JsonSerializer.SerializeToUtf8Bytes(new { texts })).ToArray();
        var latencies = new double[bodies.Length];
        var failed = 0;
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        async Task ClientAsync()
        {
            for (var i = Interlocked.Increment(ref next); i < bodies.Length; i = Interlocked.Increment(ref next))
            {
                using var content = new ByteArrayContent(bodies[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("api/classify", content, cancellationToken);
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failed);
                        errors.Enqueue($"{name}: HTTP {(int)response.StatusCode}: {body}");
                    }
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref failed);
                    errors.Enqueue($"{name}: {e.Message}");
                }

                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(ClientAsync, cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var textCount = requests.Sum(r => r.Length);
        Array.Sort(latencies);
        return new ServingRow(name, textCount, textCount / seconds, LoadRun.Percentile(latencies, 0.50), LoadRun.Percentile(latencies, 0.99), failed);
    }

    /// <summary>
    /// Sends one message per text to <c>classify-requests</c> from a few concurrent senders and collects every reply from
    /// <c>classify-results</c>; throughput is from the first send to the last reply, latency from a message's send to its reply.
    /// </summary>
    private static async Task<ServingRow> QueuePhaseAsync(
        string storage, IReadOnlyList<string> texts, ConcurrentQueue<string> errors, CancellationToken cancellationToken)
    {
        const string Name = "queue, one text per message (first send to last reply)";
        var requests = new QueueClient(storage, "classify-requests");
        var results = new QueueClient(storage, "classify-results");
        await results.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        // Answers of earlier runs would be read as this run's.
        await results.ClearMessagesAsync(cancellationToken);

        var run = Guid.NewGuid().ToString("N")[..8];
        var sentAt = new long[texts.Count];
        var latencies = new double[texts.Count];
        var pending = texts.Count;
        var failed = 0;
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));

        async Task SendAsync()
        {
            for (var i = Interlocked.Increment(ref next); i < texts.Count; i = Interlocked.Increment(ref next))
            {
                Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
                await requests.SendMessageAsync(JsonSerializer.Serialize(new { id = $"{QueueIdPrefix}{run}-{i}", text = texts[i] }), timeout.Token);
            }
        }

        var prefix = $"{QueueIdPrefix}{run}-";
        var answered = new int[texts.Count];
        async Task ReceiveAsync()
        {
            while (Volatile.Read(ref pending) > 0)
            {
                var messages = (await results.ReceiveMessagesAsync(32, cancellationToken: timeout.Token)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(20, timeout.Token);
                    continue;
                }

                var received = Stopwatch.GetTimestamp();
                await Task.WhenAll(messages.Select(m => results.DeleteMessageAsync(m.MessageId, m.PopReceipt, timeout.Token)));
                foreach (var message in messages)
                {
                    using var reply = JsonDocument.Parse(message.Body.ToMemory());
                    var id = reply.RootElement.TryGetProperty("id", out var value) ? value.GetString() : null;
                    if (id is null || !id.StartsWith(prefix, StringComparison.Ordinal)
                        || !int.TryParse(id.AsSpan(prefix.Length), CultureInfo.InvariantCulture, out var index)
                        || index >= texts.Count || Interlocked.Exchange(ref answered[index], 1) == 1)
                    {
                        // Another run's answer, or a second answer to a redelivered message.
                        continue;
                    }

                    latencies[index] = Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[index]), received).TotalMilliseconds;
                    if (reply.RootElement.TryGetProperty("error", out var error))
                    {
                        Interlocked.Increment(ref failed);
                        errors.Enqueue($"queue {id}: {error}");
                    }

                    Interlocked.Decrement(ref pending);
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, QueueSenders).Select(_ => Task.Run(SendAsync, timeout.Token))
                .Concat(Enumerable.Range(0, QueueReceivers).Select(_ => Task.Run(ReceiveAsync, timeout.Token))));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            errors.Enqueue($"queue: {Volatile.Read(ref pending)} messages were not answered within 5 minutes");
            failed += Volatile.Read(ref pending);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.Where((_, i) => answered[i] == 1).Order().ToArray();
        return new ServingRow(Name, texts.Count, texts.Count / seconds, LoadRun.Percentile(sorted, 0.50), LoadRun.Percentile(sorted, 0.99), failed);
    }

    /// <summary>
    /// Deletes the answers the app stored for the benchmark's message ids, this run's and any an interrupted run left (kept
    /// for redeliveries; in Azure the results container's lifecycle rule deletes them). Left in a local Azurite, every run
    /// would add 1,000 blobs to the metadata it rewrites as one JSON file, and later runs would measure Azurite's growing
    /// cost on the same cores.
    /// </summary>
    private static async Task DeleteStoredResultsAsync(string storage, CancellationToken cancellationToken)
    {
        var container = new BlobContainerClient(storage, new QueueOptions().ResultsContainer);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, QueueIdPrefix, cancellationToken))
        {
            names.Add(blob.Name);
        }

        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (name, token) => await container.DeleteBlobIfExistsAsync(name, cancellationToken: token));
    }

    private sealed record ServingRow(string Name, int Texts, double TextsPerSecond, double P50Milliseconds, double P99Milliseconds, int Errors)
    {
        public CpuPerText? Cpu { get; init; }
    }

    /// <summary>Processor milliseconds per text of a row; null where the process is unknown.</summary>
    private sealed record CpuPerText(double? App, double? Storage, double? LoadGenerator);

    /// <summary>The processes whose processor time a row reports: the app, the storage emulator and this one.</summary>
    private sealed record Processes(int? App, int? Storage)
    {
        public (double? App, double? Storage, double? LoadGenerator) Read() =>
            (ProcessReadings.ProcessorSeconds(App), ProcessReadings.ProcessorSeconds(Storage), Environment.CpuUsage.TotalTime.TotalSeconds);
    }
}
