using System.Globalization;
using Azure.Storage.Queues;
using Serverless.Testing;

namespace Serverless.Benchmarks;

/// <summary>
/// The full-size load run against a running app (<c>./run.sh</c>): 32 HTTP clients for 60 s sending one Fine Food review
/// each, with queue messages of one review each on <c>classify-requests</c> at the same time; prints the table of
/// <see cref="LoadReport"/> and exits 1 when anything failed (a 429 counts).
/// </summary>
internal static class LoadBenchmark
{
    private const string LocalAzurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var url = new Uri(args.ElementAtOrDefault(0) ?? "http://localhost:7071");
        var seconds = int.Parse(args.ElementAtOrDefault(1) ?? "60", CultureInfo.InvariantCulture);
        var clients = int.Parse(args.ElementAtOrDefault(2) ?? "32", CultureInfo.InvariantCulture);
        var queueRate = int.Parse(args.ElementAtOrDefault(3) ?? "20", CultureInfo.InvariantCulture);
        var storage = Storage();
        var reviews = ReviewsCsv.ReadColumn(ReviewsCsv.DefaultPath(), "review");

        // Answers of earlier runs would be read as this run's; start from an empty results queue.
        var results = new QueueClient(storage, "classify-results");
        await results.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await results.ClearMessagesAsync(cancellationToken);
        Console.WriteLine($"Load run: {clients} HTTP clients for {seconds} s and {queueRate} queue messages/s against {url}, {reviews.Count} reviews");
        var report = await LoadRun.RunAsync(url, new QueueClient(storage, "classify-requests"), results, reviews,
            clients, TimeSpan.FromSeconds(seconds), queueRate, TimeSpan.FromMinutes(5), cancellationToken);
        Console.WriteLine(report);
        foreach (var error in report.FirstErrors)
        {
            Console.WriteLine("  " + error);
        }

        return report.Errors == 0 ? 0 : 1;
    }

    /// <summary>The app's storage: <c>AzureWebJobsStorage</c> when set, else the local Azurite on its default ports.</summary>
    public static string Storage() =>
        Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } configured ? configured : LocalAzurite;
}
