using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Registry;
using Serverless.Testing;
using Xunit.Abstractions;

namespace Serverless.LocalHost.Tests;

/// <summary>
/// The built local host program with the real function app, killed with SIGKILL mid-way and started again. 500 messages
/// by default (fast enough for ./test.sh); <c>scripts/crash-test.sh</c> runs it with more (environment variable
/// <see cref="MessagesVariable"/>).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueCrashTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    /// <summary>The environment variable with the number of messages to send.</summary>
    public const string MessagesVariable = "SERVERLESS_CRASH_MESSAGES";

    private static readonly int s_messages = int.TryParse(Environment.GetEnvironmentVariable(MessagesVariable), out var count) && count > 0 ? count : 500;

    private readonly string _work = Directory.CreateTempSubdirectory("localhost-crash-").FullName;

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs * 10)]
    public async Task HostKilledMidway_AndStartedAgain_AnswersEveryMessage_DuplicatesAreIdentical_AndNothingIsLeft()
    {
        var timeout = new CancellationTokenSource(AzuriteFixture.TestTimeoutMs * 10).Token;
        var killAfterAnswers = s_messages * 3 / 10;
        var storage = azurite.ConnectionString;
        var requests = new QueueClient(storage, azurite.UniqueName("crash-requests"));
        var results = new QueueClient(storage, azurite.UniqueName("crash-results"));
        var poison = new QueueClient(storage, requests.Name + "-poison");
        string[] settings =
        [
            $"--AzureWebJobsStorage={storage}",
            "--AzureFunctionsJobHost:extensions:durableTask:hubName=" + ("Crash" + Guid.NewGuid().ToString("N"))[..30],
            // A killed host's messages reappear after this lease instead of the default 30 s.
            "--AzureFunctionsJobHost:extensions:queues:processingLease=00:00:03",
            "--AzureFunctionsJobHost:extensions:queues:maxPollingInterval=00:00:00.500",
            "--AzureFunctionsJobHost:extensions:queues:batchSize=32", "--AzureFunctionsJobHost:extensions:queues:newBatchThreshold=16",
            $"--Registry:ConnectionString={storage}",
            $"--Registry:Container={azurite.UniqueName("models")}",
            $"--Registry:CacheDirectory={Path.Combine(_work, "cache")}",
            "--Serving:DefaultModel=spam", "--Serving:Device=cpu", "--Serving:IntraOpThreads=1",
            $"--ClassifyRequestsQueue={requests.Name}", $"--ClassifyResultsQueue={results.Name}",
            $"--Queues:ReplyToAllowList:0={results.Name}", $"--Queues:ResultsContainer={azurite.UniqueName("results")}",
        ];
        await PublishSpamModelAsync(settings, timeout);
        await requests.CreateAsync(cancellationToken: timeout);
        await results.CreateAsync(cancellationToken: timeout);
        string[] words = ["free money", "team lunch", "claim your prize", "see you tomorrow"];
        await Parallel.ForAsync(0, s_messages, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = timeout }, async (i, ct) =>
            await requests.SendMessageAsync(JsonSerializer.Serialize(new { id = $"crash-{i}", text = $"{words[i % words.Length]} {i}" }), ct));

        var answers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        using (var first = StartHost(settings))
        {
            while (answers.Sum(a => a.Value.Count) < killAfterAnswers)
            {
                await DrainAsync(results, answers, timeout);
            }

            first.Kill();
            await first.WaitForExitAsync(timeout);
        }

        var answeredAtKill = answers.Sum(a => a.Value.Count);
        var killedAt = clock.Elapsed;
        using (var second = StartHost(settings))
        {
            try
            {
                while (answers.Count < s_messages || await CountAsync(requests, timeout) > 0)
                {
                    await DrainAsync(results, answers, timeout);
                }
            }
            finally
            {
                second.Kill();
                await second.WaitForExitAsync(CancellationToken.None);
            }
        }

        await DrainAsync(results, answers, timeout);
        var duplicates = answers.Sum(a => a.Value.Count - 1);
        output.WriteLine($"{s_messages} messages; killed (SIGKILL) after {answeredAtKill} answers at {killedAt.TotalSeconds:F1} s; " +
            $"answered {answers.Count} ids with {answers.Sum(a => a.Value.Count)} answers ({duplicates} duplicates) in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(s_messages, answers.Count);
        Assert.All(answers, a => Assert.True(a.Value.Distinct(StringComparer.Ordinal).Count() == 1, $"{a.Key} was answered differently: {string.Join(" | ", a.Value)}"));
        Assert.All(answers, a => Assert.Contains("\"results\"", a.Value[0], StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(requests, timeout));
        Assert.Equal(0, await CountAsync(poison, timeout));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task PublishSpamModelAsync(string[] settings, CancellationToken cancellationToken)
    {
        // The app's own composition (not started) gives the registry the process will read.
        await using var host = LocalFunctionsHost.Create(ServerlessFunctionApp.Assembly, ServerlessFunctionApp.Configure,
            ["--port", "0", "--script-root", RepositoryRoot.Path, .. settings]);
        var registry = host.Services.GetRequiredService<BlobModelRegistry>();
        var package = TinyModels.WriteKeywordClassifierPackage(Directory.CreateDirectory(Path.Combine(_work, "package")).FullName);
        var published = await registry.PublishDirectoryAsync("spam", package, cancellationToken);
        await registry.SetAliasAsync("spam", "production", published.Version, cancellationToken);
    }

    private Process StartHost(string[] settings)
    {
        var program = Path.Combine(RepositoryRoot.Path, "src", "Serverless.LocalHost", "bin", "Release", "net10.0", "linux-x64", "Serverless.LocalHost.dll");
        Assert.True(File.Exists(program), $"build src/Serverless.LocalHost in Release first: {program} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in new[] { program, "--port", "0", "--script-root", RepositoryRoot.Path }.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        // Read (and drop) the logs so a full pipe never blocks the host.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task DrainAsync(QueueClient results, Dictionary<string, List<string>> answers, CancellationToken cancellationToken)
    {
        var messages = (await results.ReceiveMessagesAsync(32, cancellationToken: cancellationToken)).Value;
        foreach (var message in messages)
        {
            var body = message.Body.ToString();
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            if (!answers.TryGetValue(id, out var list))
            {
                answers[id] = list = [];
            }

            list.Add(body);
        }

        await Task.WhenAll(messages.Select(m => results.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken)));
        if (messages.Length == 0)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<int> CountAsync(QueueClient queue, CancellationToken cancellationToken) =>
        await queue.ExistsAsync(cancellationToken) ? (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount : 0;
}
