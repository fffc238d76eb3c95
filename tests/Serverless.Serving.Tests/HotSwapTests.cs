using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Testing;

namespace Serverless.Serving.Tests;

/// <summary>The serving layer as the function app composes it: AddServerlessServing in a host, with its alias watcher.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HotSwapTests(AzuriteFixture azurite) : IDisposable
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("hotswap"));
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();

    public void Dispose() => _test.Dispose();

    [Fact(Timeout = Timeout)]
    public async Task HotSwap_AliasChangedUnderConcurrentLoad_NoRequestFailsAndTheNewVersionServesAfterThePoll()
    {
        await PublishAsync("swap", ["ham", "spam"], seed: 1);
        await PublishAsync("swap", ["negative", "positive"], seed: 2);
        await _test.Registry.SetAliasAsync("swap", "production", "1", _ct);
        using var metrics = new MetricRecorder("swap");
        using var host = BuildHost([]);
        await host.StartAsync(_ct);
        var served = host.Services.GetRequiredService<ServedModels>();
        (await served.AcquireAsync("swap", null, _ct)).Dispose();

        var answers = new ConcurrentQueue<(string Version, string Label)>();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var lease = await served.AcquireAsync("swap", null, _ct);
                    var result = await lease.Engine.ClassifyAsync(["hello world", "free money"], topK: null, _ct);
                    answers.Enqueue((lease.Version, result[0].Label));
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        })).ToArray();

        await WaitUntilAsync(() => answers.Count >= 20);
        await _test.Registry.SetAliasAsync("swap", "production", "2", _ct);
        await WaitUntilAsync(() => answers.Count(a => a.Version == "2") >= 20);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.Contains(answers, a => a.Version == "1" && a.Label is "ham" or "spam");
        Assert.All(answers, a => Assert.Contains(a.Label, a.Version == "1" ? ["ham", "spam"] : new[] { "negative", "positive" }));
        var lastAnswers = answers.Reverse().Take(10).ToList();
        Assert.All(lastAnswers, a => Assert.Equal("2", a.Version));
        var loaded = Assert.Single(served.Loaded);
        Assert.Equal(("2", "production"), (loaded.Version, Assert.Single(loaded.Aliases)));
        Assert.Equal(1, metrics.Count(ServingMetrics.ModelSwaps));
        await WaitUntilAsync(() => metrics.Count(ServingMetrics.ModelUnloads, "1") == 1);
        await host.StopAsync(_ct);
    }

    [Fact(Timeout = Timeout)]
    public async Task Host_InvalidOptions_FailAtStartNamingTheSetting()
    {
        using var host = BuildHost(new() { ["Registry:MaxLoadedVersions"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(_ct));

        Assert.Contains("MaxLoadedVersions", error.Message, StringComparison.Ordinal);
    }

    private IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Registry:ConnectionString"] = azurite.ConnectionString,
            ["Registry:Container"] = _test.Container,
            ["Registry:CacheDirectory"] = _test.CacheDirectory,
            ["Registry:AliasPollInterval"] = "00:00:00.200",
            ["Serving:Device"] = "cpu",
            ["Serving:IntraOpThreads"] = "1",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddServerlessServing(builder.Configuration);
        return builder.Build();
    }

    private async Task PublishAsync(string name, IReadOnlyList<string> labels, int seed)
    {
        var directory = Path.Combine(_test.WorkDirectory, Guid.NewGuid().ToString("N"));
        TinyModels.WriteClassifierPackage(directory, labels, seed: seed);
        await _test.Registry.PublishDirectoryAsync(name, directory, _ct);
    }

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20, _ct);
        }
    }
}
