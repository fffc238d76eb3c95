using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Errors;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Testing;

namespace Serverless.Serving.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ServedModelsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Timeout = AzuriteFixture.TestTimeoutMs;
    private static readonly ServingOptions s_cpu = new() { Device = InferenceDevice.Cpu, IntraOpThreads = 1 };
    private static int s_models;

    private readonly TestRegistry _test = new(azurite, azurite.UniqueName("served"));
    private readonly ServingMeters _meters = new();
    private readonly CancellationToken _ct = AzuriteFixture.TestTimeout();
    private readonly string _model = $"model-{Interlocked.Increment(ref s_models)}-{Guid.NewGuid():N}"[..20];
    private ServedModels? _served;

    private BlobModelRegistry Registry => _test.Registry;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_served is not null)
        {
            await _served.DisposeAsync();
        }

        _test.Dispose();
        _meters.Dispose();
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_ConcurrentFirstRequests_LoadTheVersionOnceAndClassify()
    {
        using var metrics = new MetricRecorder(_model);
        await PublishClassifierAsync(["negative", "positive"], alias: "production");
        var served = Serve();

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => served.AcquireAsync(_model, null, _ct))));
        var results = await leases[0].Engine.ClassifyAsync(["hello world"], topK: null, _ct);

        Assert.Single(leases.Select(l => l.Engine).Distinct());
        Assert.All(leases, l => Assert.Equal("1", l.Version));
        Assert.Equal(1, metrics.Count(ServingMetrics.ModelLoads));
        Assert.Contains(results[0].Label, new[] { "negative", "positive" });
        // The served engine records its runs on the host's meters: one batch of one text.
        Assert.Equal(1, metrics.Count(InferenceMetrics.BatchSize));
        var loaded = Assert.Single(served.Loaded);
        Assert.Equal((_model, "1", "cpu"), (loaded.Name, loaded.Version, loaded.Device));
        Assert.Equal(["production"], loaded.Aliases);
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_BaseEncoder_IsRefusedAsNotAClassifier()
    {
        var directory = Path.Combine(_test.WorkDirectory, "encoder");
        TinyModels.WriteBaseEncoderPackage(directory);
        await Registry.PublishDirectoryAsync(_model, directory, _ct);
        var served = Serve();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => served.AcquireAsync(_model, "1", _ct));

        Assert.Equal(400, error.Status);
        Assert.EndsWith("not-a-classifier", error.Type, StringComparison.Ordinal);
        Assert.Contains("base encoder", error.Message, StringComparison.Ordinal);
        Assert.Empty(served.Loaded);
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_UnknownOrInvalid_IsNotFoundOrBadRequest()
    {
        await PublishClassifierAsync(["a", "b"], alias: "production");
        var served = Serve();

        var model = await Assert.ThrowsAsync<ModelNotFoundException>(() => served.AcquireAsync("no-such-model", null, _ct));
        var version = await Assert.ThrowsAsync<ModelNotFoundException>(() => served.AcquireAsync(_model, "9", _ct));
        var alias = await Assert.ThrowsAsync<ModelNotFoundException>(() => served.AcquireAsync(_model, "candidate", _ct));
        var name = await Assert.ThrowsAsync<InvalidRequestException>(() => served.AcquireAsync("../models", null, _ct));
        var badVersion = await Assert.ThrowsAsync<InvalidRequestException>(() => served.AcquireAsync(_model, "0", _ct));

        Assert.Contains("no-such-model", model.Message, StringComparison.Ordinal);
        Assert.Contains("no published version 9", version.Message, StringComparison.Ordinal);
        Assert.Contains("no alias 'candidate'", alias.Message, StringComparison.Ordinal);
        Assert.Equal(400, name.Status);
        Assert.Equal(400, badVersion.Status);
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_CorruptedVersion_IsRefusedAndNeverLoaded()
    {
        using var metrics = new MetricRecorder(_model);
        await PublishClassifierAsync(["a", "b"]);
        await _test.ContainerClient.GetBlobClient($"{_model}/1/config.json").UploadAsync(BinaryData.FromString("{}"), overwrite: true, _ct);
        var served = Serve();

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => served.AcquireAsync(_model, "1", _ct));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Empty(served.Loaded);
        Assert.Equal(1, metrics.Count(ServingMetrics.ModelLoadFailures, "1"));
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelLoads));
    }

    [Fact(Timeout = Timeout)]
    public async Task HotSwap_NewVersionCorruptedAfterPublishing_OldVersionKeepsServingUntilAGoodOneArrives()
    {
        using var metrics = new MetricRecorder(_model);
        await PublishClassifierAsync(["a", "b"], alias: "production");
        var served = Serve();
        using (var first = await served.AcquireAsync(_model, null, _ct))
        {
            Assert.Equal("1", first.Version);
        }

        await PublishClassifierAsync(["c", "d"]);
        await _test.ContainerClient.GetBlobClient($"{_model}/2/vocab.txt").UploadAsync(BinaryData.FromString("[PAD]\n"), overwrite: true, _ct);
        await Registry.SetAliasAsync(_model, "production", "2", _ct);
        await served.RefreshAliasesAsync(_ct);

        using (var afterBadSwap = await served.AcquireAsync(_model, null, _ct))
        {
            Assert.Equal("1", afterBadSwap.Version);
            Assert.Equal(["a", "b"], afterBadSwap.Engine.Labels);
        }

        Assert.Equal(1, metrics.Count(ServingMetrics.ModelLoadFailures, "2"));
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelSwaps));

        await PublishClassifierAsync(["e", "f"]);
        await Registry.SetAliasAsync(_model, "production", "3", _ct);
        await served.RefreshAliasesAsync(_ct);

        using var afterGoodSwap = await served.AcquireAsync(_model, null, _ct);
        Assert.Equal("3", afterGoodSwap.Version);
        Assert.Equal(["e", "f"], afterGoodSwap.Engine.Labels);
        Assert.Equal(1, metrics.Count(ServingMetrics.ModelSwaps));
        Assert.Equal(["3"], served.Loaded.Select(l => l.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task HotSwap_AliasPointingAtAVersionWithoutManifest_IsNotServed()
    {
        await PublishClassifierAsync(["a", "b"], alias: "production");
        var served = Serve();
        (await served.AcquireAsync(_model, null, _ct)).Dispose();
        // A partly written version 2 (no manifest) and an aliases.json edited by hand to point at it.
        var partial = TinyModels.WriteClassifierPackage(Path.Combine(_test.WorkDirectory, "partial"));
        await _test.ContainerClient.GetBlobClient($"{_model}/2/model.onnx").UploadAsync(Path.Combine(partial, PackageFiles.Model), _ct);
        await _test.ContainerClient.GetBlobClient($"{_model}/aliases.json").UploadAsync(BinaryData.FromString("""{"production":"2"}"""), overwrite: true, _ct);

        await served.RefreshAliasesAsync(_ct);

        using var lease = await served.AcquireAsync(_model, null, _ct);
        Assert.Equal("1", lease.Version);
        Assert.Equal(["production"], Assert.Single(served.Loaded).Aliases);
    }

    [Fact(Timeout = Timeout)]
    public async Task Lru_BeyondMaxLoadedVersions_EvictsTheLeastRecentlyUsedAndDisposesItAfterItsLastLease()
    {
        using var metrics = new MetricRecorder(_model);
        for (var i = 0; i < 3; i++)
        {
            await PublishClassifierAsync(["a", "b"], seed: i + 1);
        }

        var served = Serve(maxLoaded: 2);
        var held = await served.AcquireAsync(_model, "1", _ct);
        (await served.AcquireAsync(_model, "2", _ct)).Dispose();
        (await served.AcquireAsync(_model, "3", _ct)).Dispose();

        Assert.Equal(["2", "3"], served.Loaded.Select(l => l.Version));
        var stillWorking = await held.Engine.ClassifyAsync(["hello"], topK: 1, _ct);
        Assert.Single(stillWorking[0].Scores);
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelUnloads, "1"));

        held.Dispose();

        await WaitUntilAsync(() => metrics.Count(ServingMetrics.ModelUnloads, "1") == 1);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => held.Engine.ClassifyAsync(["hello"], topK: null, _ct));
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelUnloads, "2"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Lru_RecentlyUsedVersion_IsKeptOverAnOlderOne()
    {
        for (var i = 0; i < 3; i++)
        {
            await PublishClassifierAsync(["a", "b"], seed: i + 1);
        }

        var served = Serve(maxLoaded: 2);
        (await served.AcquireAsync(_model, "1", _ct)).Dispose();
        (await served.AcquireAsync(_model, "2", _ct)).Dispose();
        (await served.AcquireAsync(_model, "1", _ct)).Dispose();
        (await served.AcquireAsync(_model, "3", _ct)).Dispose();

        Assert.Equal(["1", "3"], served.Loaded.Select(l => l.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_VersionThatFailsItsWarmUpRun_Is422AndListedAsUnservableWithTheReason()
    {
        // Published without the publish-time checks, as an older release could have.
        var broken = TinyModels.WriteFixedShapeClassifierPackage(Path.Combine(_test.WorkDirectory, "reshape"), fixedInputs: false);
        await TestStorage.UploadVersionAsync(_test.ContainerClient, _model, 1, broken, _ct);
        await PublishClassifierAsync(["a", "b"]);
        var served = Serve();

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => served.AcquireAsync(_model, "1", _ct));
        using var good = await served.AcquireAsync(_model, "2", _ct);

        Assert.Equal(422, error.Status);
        var unservable = Assert.Single(served.Unservable);
        Assert.Equal((_model, "1", error.Type), (unservable.Name, unservable.Version, unservable.Type));
        Assert.Contains("failed its warm-up run", unservable.Reason, StringComparison.Ordinal);
        Assert.Equal(["2"], served.Loaded.Select(l => l.Version));
    }

    [Fact(Timeout = Timeout)]
    public async Task Lru_VersionsAnAliasPointsAt_AreNeverEvictedByRequestsForOtherVersions()
    {
        using var metrics = new MetricRecorder(_model);
        await PublishClassifierAsync(["a", "b"], alias: "production");
        await PublishClassifierAsync(["a", "b"], seed: 2);
        await PublishClassifierAsync(["a", "b"], seed: 3);
        var served = Serve(maxLoaded: 1);
        (await served.AcquireAsync(_model, null, _ct)).Dispose();

        (await served.AcquireAsync(_model, "2", _ct)).Dispose();
        (await served.AcquireAsync(_model, "3", _ct)).Dispose();

        await WaitUntilAsync(() => metrics.Count(ServingMetrics.ModelUnloads) == 2);
        var loaded = Assert.Single(served.Loaded);
        Assert.Equal(("1", "production"), (loaded.Version, Assert.Single(loaded.Aliases)));
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelUnloads, "1"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_ManyVersionsAtOnce_LoadsNoMoreThanMaxConcurrentLoadsAtATime()
    {
        using var metrics = new MetricRecorder(_model);
        for (var i = 0; i < 4; i++)
        {
            await PublishClassifierAsync(["a", "b"], seed: i + 1);
        }

        var served = Serve(maxLoaded: 4, maxConcurrentLoads: 1);

        var leases = await Task.WhenAll(Enumerable.Range(1, 4).Select(v => Task.Run(() => served.AcquireAsync(_model, v.ToString(), _ct))));

        Assert.Equal(4, metrics.Count(ServingMetrics.ModelLoads));
        Assert.Equal(1, metrics.MaxRunningSum(ServingMetrics.ModelsLoading));
        Assert.Equal(0, metrics.Count(ServingMetrics.ModelsLoading));
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Lru_EvictedVersion_LosesItsCachedFilesOnceItsLastLeaseEnds()
    {
        await PublishClassifierAsync(["a", "b"], seed: 1);
        await PublishClassifierAsync(["a", "b"], seed: 2);
        var served = Serve(maxLoaded: 1);
        var held = await served.AcquireAsync(_model, "1", _ct);
        var evictedFiles = held.Engine.Package.Directory;

        using var second = await served.AcquireAsync(_model, "2", _ct);

        Assert.Equal(["2"], served.Loaded.Select(l => l.Version));
        Assert.True(Directory.Exists(evictedFiles), "a version still leased keeps its files");
        held.Dispose();
        await WaitUntilAsync(() => !Directory.Exists(evictedFiles));
        Assert.True(Directory.Exists(second.Engine.Package.Directory));
    }

    [Fact(Timeout = Timeout)]
    public async Task Acquire_CacheThatCannotBeWritten_Is503AndNotListedAsUnservable()
    {
        await PublishClassifierAsync(["a", "b"], alias: "production");
        var file = Path.Combine(_test.WorkDirectory, "a-file");
        File.WriteAllText(file, "in the way");
        var served = Serve(cacheDirectory: Path.Combine(file, "cache"));

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => served.AcquireAsync(_model, null, _ct));

        Assert.Equal(ProblemTypes.ModelCacheUnavailable.Type, error.Type);
        Assert.Empty(served.Unservable);
    }

    [Fact(Timeout = Timeout)]
    public async Task AliasWatcher_RequestsThatReadAliasesAtDifferentETags_StillSeeTheChange()
    {
        await PublishClassifierAsync(["a", "b"], alias: "production");
        await PublishClassifierAsync(["c", "d"]);
        await Registry.SetAliasAsync(_model, "candidate", "1", _ct);
        var gate = new HoldNextAliasesRead();
        var served = Serve(registry: RegistryThrough(gate));

        // A first request for production reads aliases.json (production=1) and is held before it registers what it read.
        gate.Arm();
        var production = Task.Run(() => served.AcquireAsync(_model, "production", _ct));
        await gate.Held.Task.WaitAsync(_ct);
        // Meanwhile production moves to 2, and a request for candidate reads the new aliases.json and registers first.
        await Registry.SetAliasAsync(_model, "production", "2", _ct);
        (await served.AcquireAsync(_model, "candidate", _ct)).Dispose();
        gate.Release.SetResult();
        (await production).Dispose();

        await served.RefreshAliasesAsync(_ct);

        using var lease = await served.AcquireAsync(_model, "production", _ct);
        Assert.Equal("2", lease.Version);
        Assert.Equal(["c", "d"], lease.Engine.Labels);
    }

    private BlobModelRegistry RegistryThrough(HttpPipelinePolicy policy)
    {
        var options = new BlobClientOptions();
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        return new BlobModelRegistry(
            new BlobServiceClient(azurite.ConnectionString, options),
            Microsoft.Extensions.Options.Options.Create(_test.Options),
            NullLogger<BlobModelRegistry>.Instance);
    }

    private ServedModels Serve(int maxLoaded = 3, int maxConcurrentLoads = 2, string? cacheDirectory = null, BlobModelRegistry? registry = null) => _served = new ServedModels(
        registry ?? (cacheDirectory is null
            ? Registry
            : new BlobModelRegistry(
                _test.Blobs,
                Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Container = _test.Container, CacheDirectory = cacheDirectory }),
                NullLogger<BlobModelRegistry>.Instance)),
        Microsoft.Extensions.Options.Options.Create(new RegistryOptions
        {
            Container = _test.Container,
            CacheDirectory = cacheDirectory ?? _test.CacheDirectory,
            MaxLoadedVersions = maxLoaded,
            MaxConcurrentLoads = maxConcurrentLoads,
        }),
        Microsoft.Extensions.Options.Options.Create(s_cpu),
        Microsoft.Extensions.Options.Options.Create(new BatchingOptions()),
        _meters.Metrics,
        _meters.Engines,
        NullLoggerFactory.Instance);

    private async Task<string> PublishClassifierAsync(IReadOnlyList<string> labels, string? alias = null, int seed = 1)
    {
        var directory = Path.Combine(_test.WorkDirectory, Guid.NewGuid().ToString("N"));
        TinyModels.WriteClassifierPackage(directory, labels, seed: seed);
        var published = await Registry.PublishDirectoryAsync(_model, directory, _ct);
        if (alias is not null)
        {
            await Registry.SetAliasAsync(_model, alias, published.Version, _ct);
        }

        return published.Version;
    }

    /// <summary>Holds the response of the next GET of an aliases.json, once armed, until <see cref="Release"/> completes.</summary>
    private sealed class HoldNextAliasesRead : HttpPipelinePolicy
    {
        private int _armed;

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/aliases.json", StringComparison.Ordinal) &&
                Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Held.SetResult();
                await Release.Task;
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
    }

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20, _ct);
        }
    }
}
