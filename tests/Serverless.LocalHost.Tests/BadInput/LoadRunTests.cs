using Serverless.Testing;

namespace Serverless.LocalHost.Tests.BadInput;

/// <summary>
/// The small load run kept in <c>./test.sh</c>: 32 concurrent HTTP clients sending one text each, with queue traffic at the
/// same time, against the real app on the local host. Zero errors: a 429 at this load is an error. The full-size run (60 s
/// on the Fine Food reviews against <c>./run.sh</c>) is <c>dotnet run -c Release --project tests/Serverless.Benchmarks -- load</c>.
/// </summary>
public sealed class LoadRunTests(ServedApp app) : IClassFixture<ServedApp>
{
    [Fact(Timeout = 120_000)]
    public async Task ThirtyTwoHttpClientsAndQueueTraffic_AreAllAnsweredWithoutAnError()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(100)).Token;
        var texts = Enumerable.Range(0, 200).Select(ReviewLikeText).ToArray();

        var report = await LoadRun.RunAsync(app.BaseAddress, app.Requests, app.Results, texts,
            clients: 32, duration: TimeSpan.FromSeconds(8), queueMessagesPerSecond: 20, answerTimeout: TimeSpan.FromSeconds(60), timeout);

        Assert.True(report.Errors == 0, $"{report}\n{string.Join('\n', report.FirstErrors)}");
        Assert.True(report.Requests > 32, report.ToString());
        Assert.True(report.QueueSent > 0 && report.QueueAnswered == report.QueueSent, report.ToString());
    }

    /// <summary>Texts of 3 to ~120 words, some with a keyword, so that batches mix lengths as real reviews do.</summary>
    private static string ReviewLikeText(int seed)
    {
        string[] words = ["the", "coffee", "was", "great", "and", "arrived", "quickly", "but", "the", "box", "was", "damaged", "money", "offer"];
        var length = 3 + (seed * 37 % 120);
        return string.Join(' ', Enumerable.Range(0, length).Select(i => words[(seed + i * 5) % words.Length]));
    }
}
