using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;

namespace Serverless.Serving;

/// <summary>
/// The model versions this instance serves: each loaded on first use (once, however many requests ask at the same time,
/// and at most <see cref="RegistryOptions.MaxConcurrentLoads"/> versions loading at once), at most
/// <see cref="RegistryOptions.MaxLoadedVersions"/> kept loaded (least recently used first out, but never a version a served
/// alias points at, such as the default model's), and held by leases so an engine is disposed, and its cached files
/// removed, only after its last request is done. A version that cannot be served is listed in <see cref="Unservable"/>
/// with the reason. Served aliases are re-read by <see cref="RefreshAliasesAsync"/>
/// (the hosted alias watcher calls it every <see cref="RegistryOptions.AliasPollInterval"/>): a new version is downloaded,
/// verified, loaded and warmed in the background and only then replaces the old one, so no request fails because of a
/// swap; a version that fails is logged with the reason and the previous one keeps serving. A version loads with its
/// default variant (<see cref="ServingOptions.Variants"/> for the model, else int8 when the version has it, else fp32);
/// a request for another variant the version has loads that variant's engine beside it, once, on first use, and it goes
/// when the version goes. Thread-safe.
/// </summary>
public sealed class ServedModels : IAsyncDisposable
{
    // A failed load is answered from memory for a short while, so a burst of requests for a broken version does not
    // download it again for each one.
    private static readonly TimeSpan s_failureRetention = TimeSpan.FromSeconds(10);

    private readonly BlobModelRegistry _registry;
    private readonly RegistryOptions _options;
    private readonly ServingOptions _serving;
    private readonly BatchingOptions _batching;
    private readonly ServingMetrics _metrics;
    private readonly InferenceMetrics _engineMetrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Name, string Version), LoadedVersion> _versions = [];
    private readonly Dictionary<(string Name, string Alias), ServedAlias> _aliases = [];
    private readonly Dictionary<(string Name, string Version), UnservableModelInfo> _unservable = [];
    private readonly SemaphoreSlim _loadSlots;
    private readonly List<Task> _unloads = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _useClock;

    /// <summary>Creates the set of served models over a registry.</summary>
    public ServedModels(
        BlobModelRegistry registry, IOptions<RegistryOptions> options, IOptions<ServingOptions> serving,
        IOptions<BatchingOptions> batching, ServingMetrics metrics, InferenceMetrics engineMetrics, ILoggerFactory loggerFactory)
    {
        _registry = registry;
        _metrics = metrics;
        _engineMetrics = engineMetrics;
        _options = options.Value;
        _serving = serving.Value;
        _batching = batching.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ServedModels>();
        _loadSlots = new SemaphoreSlim(_options.MaxConcurrentLoads, _options.MaxConcurrentLoads);
    }

    /// <summary>The loaded versions with the served aliases that point at them and their device, by name and version.</summary>
    public IReadOnlyList<LoadedModelInfo> Loaded
    {
        get
        {
            lock (_gate)
            {
                return [.. _versions.Values
                    .Where(v => v.Loading.IsCompletedSuccessfully && !v.Retired)
                    .OrderBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => int.Parse(v.Version, CultureInfo.InvariantCulture))
                    .Select(v => new LoadedModelInfo(
                        v.Name,
                        v.Version,
                        [.. _aliases.Where(a => a.Key.Name == v.Name && a.Value.Version == v.Version).Select(a => a.Key.Alias).Order(StringComparer.Ordinal)],
                        v.Loading.Result.Device,
                        v.Loading.Result.Package.Variant,
                        v.Loading.Result.Package.Variants,
                        v.Loading.Result.Execution,
                        v.Loading.Result.PaddedReason))];
            }
        }
    }

    /// <summary>
    /// Versions whose last load failed for good (failed verification, a graph that does not load or fails its warm-up
    /// run, not a classifier), with the problem type and the reason, by name and version; a later successful load of the
    /// version removes it.
    /// </summary>
    public IReadOnlyList<UnservableModelInfo> Unservable
    {
        get
        {
            lock (_gate)
            {
                return [.. _unservable.Values
                    .OrderBy(u => u.Name, StringComparer.Ordinal).ThenBy(u => int.Parse(u.Version, CultureInfo.InvariantCulture))];
            }
        }
    }

    /// <summary>
    /// A lease on the engine of a model version: <paramref name="versionOrAlias"/> is a version number or an alias
    /// (default <see cref="ServingOptions.DefaultAlias"/>). Loads the version on first use. Dispose the lease when done.
    /// </summary>
    /// <exception cref="InvalidRequestException">Invalid name, version or alias, or the model is a base encoder (slug not-a-classifier).</exception>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    /// <exception cref="InvalidModelPackageException">The version failed verification or its graph does not fit.</exception>
    /// <exception cref="ServiceUnavailableException">Storage cannot be reached.</exception>
    public Task<ModelLease> AcquireAsync(string name, string? versionOrAlias, CancellationToken cancellationToken) =>
        AcquireAsync(name, versionOrAlias, variant: null, cancellationToken);

    /// <summary>
    /// A lease on the engine of one variant of a model version (<see cref="ModelVariants"/>; null for the version's default
    /// variant). A variant other than the default loads on first use.
    /// </summary>
    /// <exception cref="InvalidRequestException">Invalid name, version or alias, or the model is a base encoder (slug not-a-classifier).</exception>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    /// <exception cref="VariantNotFoundException">The version does not have <paramref name="variant"/>.</exception>
    /// <exception cref="InvalidModelPackageException">The version failed verification or its graph does not fit.</exception>
    /// <exception cref="ServiceUnavailableException">Storage cannot be reached.</exception>
    public async Task<ModelLease> AcquireAsync(string name, string? versionOrAlias, string? variant, CancellationToken cancellationToken)
    {
        ModelNames.Validate(name);
        var requested = string.IsNullOrWhiteSpace(versionOrAlias) ? _serving.DefaultAlias : versionOrAlias;
        LoadedVersion entry;
        if (RegistryNames.LooksLikeVersion(requested))
        {
            var version = RegistryNames.ParseVersion(requested).ToString(CultureInfo.InvariantCulture);
            lock (_gate)
            {
                entry = Hold(name, version);
            }
        }
        else
        {
            RegistryNames.ValidateAlias(requested);
            entry = TryHoldAlias(name, requested) ?? await HoldNewAliasAsync(name, requested, cancellationToken);
        }

        try
        {
            var engine = await entry.Loading.WaitAsync(cancellationToken);
            if (variant is not null && variant != engine.Package.Variant)
            {
                engine = await VariantEngine(entry, engine.Package.ForVariant(variant)).WaitAsync(cancellationToken);
            }

            UnloadBeyondLimit();
            return new ModelLease(entry.Name, entry.Version, engine, () => Release(entry));
        }
        catch
        {
            Release(entry);
            throw;
        }
    }

    /// <summary>
    /// One round of the alias watcher: re-reads the aliases.json of every model whose aliases are served and swaps each
    /// changed alias to its new version once that version is loaded and warm. Each served alias remembers the ETag of the
    /// aliases.json it was read from; the read is conditional (If-None-Match) only while all of a model's aliases were read
    /// at the same ETag, so an alias a request registered from an older or newer aliases.json is always re-checked.
    /// </summary>
    public async Task RefreshAliasesAsync(CancellationToken cancellationToken)
    {
        string[] names;
        lock (_gate)
        {
            names = [.. _aliases.Keys.Select(k => k.Name).Distinct(StringComparer.Ordinal)];
        }

        foreach (var name in names)
        {
            // Taken before the read: every alias in it was read from storage earlier than this round's read, so this
            // round's content is at least as new and may move it. Aliases registered during the read wait for the next round.
            var before = ServedAliasesOf(name);
            var etags = before.Select(a => a.Value.ETag).Distinct().ToList();
            ModelAliases? changed;
            try
            {
                changed = await _registry.GetAliasesIfChangedAsync(name, etags.Count == 1 ? etags[0] : null, cancellationToken);
            }
            catch (ServiceException ex)
            {
                Log.AliasPollFailed(_logger, name, ex.Message);
                continue;
            }

            if (changed is null)
            {
                continue;
            }

            foreach (var (alias, served) in before)
            {
                var settled = true;
                if (!changed.Aliases.TryGetValue(alias, out var target))
                {
                    Log.AliasRemoved(_logger, name, alias, served.Version);
                }
                else if (target != served.Version)
                {
                    settled = await SwapAsync(name, alias, served.Version, target, changed.ETag, cancellationToken);
                }

                if (settled)
                {
                    lock (_gate)
                    {
                        if (_aliases.TryGetValue((name, alias), out var current) && current.Version == served.Version)
                        {
                            _aliases[(name, alias)] = current with { ETag = changed.ETag };
                        }
                    }
                }
            }
        }
    }

    /// <summary>Stops loading, then disposes every engine (each finishes its queued work first).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        LoadedVersion[] all;
        Task[] unloads;
        lock (_gate)
        {
            all = [.. _versions.Values];
            _versions.Clear();
            unloads = [.. _unloads];
        }

        foreach (var entry in all.Where(e => !e.UnloadStarted))
        {
            entry.Retired = true;
            // The cache outlives the process: a restart reuses what is still verified.
            await UnloadAsync(entry, "shutting down", removeCachedFiles: false);
        }

        await Task.WhenAll(unloads);
        _stopping.Dispose();
        _loadSlots.Dispose();
    }

    /// <summary>The engine of a variant besides the version's default one, loaded once on first use.</summary>
    private Task<ClassificationEngine> VariantEngine(LoadedVersion entry, ModelPackage package)
    {
        lock (_gate)
        {
            if (!entry.Variants.TryGetValue(package.Variant, out var loading) || (loading.IsFaulted && !entry.FailedRecently))
            {
                loading = Task.Run(() => LoadVariantAsync(entry, package));
                entry.Variants[package.Variant] = loading;
            }

            return loading;
        }
    }

    private async Task<ClassificationEngine> LoadVariantAsync(LoadedVersion entry, ModelPackage package)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var engine = await ClassificationEngine.CreateAsync(
                package, new ModelIdentity(entry.Name, entry.Version), _serving, _batching, _loggerFactory, _engineMetrics, _stopping.Token);
            Log.VariantLoaded(_logger, entry.Name, entry.Version, package.Variant, engine.Device, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return engine;
        }
        catch (Exception ex)
        {
            entry.FailedAt = Stopwatch.GetTimestamp();
            Log.VariantLoadFailed(_logger, entry.Name, entry.Version, package.Variant, ex.Message, ex);
            throw;
        }
    }

    /// <summary>
    /// The engine of the version's default variant. int8 chosen only because the version has it (no setting asked for it)
    /// gives way to fp32 where it cannot load on the device (CUDA has no kernel for its operator): the version still serves.
    /// </summary>
    private async Task<ClassificationEngine> CreateDefaultEngineAsync(LoadedVersion entry, ModelPackage package)
    {
        var variant = DefaultVariant(entry.Name, package);
        var identity = new ModelIdentity(entry.Name, entry.Version);
        try
        {
            return await ClassificationEngine.CreateAsync(package.ForVariant(variant), identity, _serving, _batching, _loggerFactory, _engineMetrics, _stopping.Token);
        }
        catch (InvalidModelPackageException ex) when (
            variant == ModelVariants.Int8 && _serving.Device != InferenceDevice.Cpu && !_serving.Variants.ContainsKey(entry.Name))
        {
            Log.VariantFellBack(_logger, entry.Name, entry.Version, ex.Message);
            return await ClassificationEngine.CreateAsync(package.ForVariant(ModelVariants.Fp32), identity, _serving, _batching, _loggerFactory, _engineMetrics, _stopping.Token);
        }
    }

    /// <summary>
    /// The variant a version serves when a request names none: the model's <see cref="ServingOptions.Variants"/> setting
    /// when the version has it, else int8 when the version has it, else fp32.
    /// </summary>
    private string DefaultVariant(string name, ModelPackage package)
    {
        var variants = package.Variants;
        return _serving.Variants.TryGetValue(name, out var configured) && variants.Contains(configured)
            ? configured
            : variants.Contains(ModelVariants.Int8) ? ModelVariants.Int8 : ModelVariants.Fp32;
    }

    private LoadedVersion? TryHoldAlias(string name, string alias)
    {
        lock (_gate)
        {
            return _aliases.TryGetValue((name, alias), out var served) ? Hold(name, served.Version) : null;
        }
    }

    private async Task<LoadedVersion> HoldNewAliasAsync(string name, string alias, CancellationToken cancellationToken)
    {
        var aliases = await _registry.GetAliasesAsync(name, cancellationToken);
        var version = aliases.Aliases.TryGetValue(alias, out var found)
            ? found
            : await _registry.ResolveVersionAsync(name, alias, cancellationToken); // throws the specific 404
        lock (_gate)
        {
            // A concurrent first request or the watcher may have settled this alias meanwhile; theirs stands. The ETag it was
            // read at goes with it, so the watcher re-checks it if the model's other aliases were read at another one.
            if (!_aliases.TryGetValue((name, alias), out var current))
            {
                _aliases[(name, alias)] = current = new ServedAlias(version, aliases.ETag);
            }

            return Hold(name, current.Version);
        }
    }

    /// <summary>Takes a reference on a version, starting its load when it is not loaded. Call under the lock.</summary>
    private LoadedVersion Hold(string name, string version)
    {
        if (!_versions.TryGetValue((name, version), out var entry) || (entry.Loading.IsFaulted && !entry.FailedRecently))
        {
            entry = new LoadedVersion(name, version);
            entry.Loading = Task.Run(() => LoadAsync(entry));
            _versions[(name, version)] = entry;
        }

        entry.References++;
        entry.LastUsed = ++_useClock;
        return entry;
    }

    private void Release(LoadedVersion entry)
    {
        bool unload;
        lock (_gate)
        {
            entry.References--;
            unload = entry.References == 0 && entry.Retired && !entry.UnloadStarted;
            entry.UnloadStarted |= unload;
        }

        if (unload)
        {
            TrackUnload(entry, "no longer served");
        }
    }

    /// <summary>Takes a version out of service; true when its engine can be disposed now. Call under the lock.</summary>
    private bool Retire(LoadedVersion entry)
    {
        if (_versions.TryGetValue((entry.Name, entry.Version), out var current) && current == entry)
        {
            _versions.Remove((entry.Name, entry.Version));
        }

        entry.Retired = true;
        var unload = entry.References == 0 && !entry.UnloadStarted;
        entry.UnloadStarted |= unload;
        return unload;
    }

    private async Task<ClassificationEngine> LoadAsync(LoadedVersion entry)
    {
        var started = Stopwatch.GetTimestamp();
        var holdsSlot = false;
        try
        {
            // Each load holds a package on disk and a graph in memory twice over while it runs: bound them.
            await _loadSlots.WaitAsync(_stopping.Token);
            holdsSlot = true;
            _metrics.Loading.Add(1, ServingMetrics.Tags(entry.Name, entry.Version));
            var package = await _registry.DownloadAsync(entry.Name, entry.Version, _stopping.Token);
            if (package.Config.IsBaseEncoder)
            {
                throw new InvalidRequestException(
                    $"Model '{entry.Name}' version {entry.Version} is a base encoder without a classification head: it can be the base " +
                    "of a training run but cannot classify. Name a classifier model, or train one from this encoder.",
                    ProblemTypes.NotAClassifier);
            }

            var engine = await CreateDefaultEngineAsync(entry, package);
            _metrics.Loads.Add(1, ServingMetrics.Tags(entry.Name, entry.Version));
            Log.ModelLoaded(_logger, entry.Name, entry.Version, engine.Device, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            lock (_gate)
            {
                _unservable.Remove((entry.Name, entry.Version));
            }

            return engine;
        }
        catch (Exception ex)
        {
            entry.FailedAt = Stopwatch.GetTimestamp();
            _metrics.LoadFailures.Add(1, ServingMetrics.Tags(entry.Name, entry.Version));
            Log.ModelLoadFailed(_logger, entry.Name, entry.Version, ex.Message, ex);
            // Versions are immutable, so a permanent failure stays true; a missing version is not a version that fails.
            if (ex is ServiceException { IsTransient: false, Status: not 404 } permanent)
            {
                lock (_gate)
                {
                    _unservable[(entry.Name, entry.Version)] = new UnservableModelInfo(entry.Name, entry.Version, permanent.Type, permanent.Message);
                }
            }

            throw;
        }
        finally
        {
            if (holdsSlot)
            {
                _metrics.Loading.Add(-1, ServingMetrics.Tags(entry.Name, entry.Version));
                _loadSlots.Release();
            }
        }
    }

    private async Task<bool> SwapAsync(string name, string alias, string oldVersion, string newVersion, string? etag, CancellationToken cancellationToken)
    {
        LoadedVersion entry;
        lock (_gate)
        {
            entry = Hold(name, newVersion);
        }

        try
        {
            await entry.Loading.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Release(entry);
            Log.SwapFailed(_logger, name, alias, oldVersion, newVersion, ex.Message);
            // A broken version is not retried until the alias changes again; an outage is retried at the next round.
            return ex is not ServiceException { IsTransient: true };
        }

        var retired = new List<LoadedVersion>();
        lock (_gate)
        {
            if (_aliases.TryGetValue((name, alias), out var current) && current.Version == oldVersion)
            {
                _aliases[(name, alias)] = new ServedAlias(newVersion, etag);
            }

            if (!IsPinned(name, oldVersion) &&
                _versions.TryGetValue((name, oldVersion), out var old) && old.Loading.IsCompletedSuccessfully && Retire(old))
            {
                retired.Add(old);
            }
        }

        Release(entry);
        _metrics.Swaps.Add(1, ServingMetrics.Tags(name, newVersion, alias));
        Log.Swapped(_logger, name, alias, oldVersion, newVersion);
        foreach (var old in retired)
        {
            TrackUnload(old, "swapped out");
        }

        UnloadBeyondLimit();
        return true;
    }

    private KeyValuePair<string, ServedAlias>[] ServedAliasesOf(string name)
    {
        lock (_gate)
        {
            return [.. _aliases.Where(a => a.Key.Name == name).Select(a => KeyValuePair.Create(a.Key.Alias, a.Value))];
        }
    }

    /// <summary>True when a served alias points at the version. Call under the lock.</summary>
    private bool IsPinned(string name, string version) =>
        _aliases.Any(a => a.Key.Name == name && a.Value.Version == version);

    private void UnloadBeyondLimit()
    {
        var victims = new List<LoadedVersion>();
        lock (_gate)
        {
            foreach (var failed in _versions.Values.Where(v => v.Loading.IsFaulted && !v.FailedRecently).ToList())
            {
                _versions.Remove((failed.Name, failed.Version));
            }

            // Versions an alias points at (the default model's among them) are what the service exists to serve: a
            // request for some other version never pushes them out; it is unloaded itself once its lease ends instead.
            var live = _versions.Values.Where(v => !v.Loading.IsFaulted).ToList();
            foreach (var victim in live.Where(v => v.Loading.IsCompletedSuccessfully && !IsPinned(v.Name, v.Version)).OrderBy(v => v.LastUsed)
                .Take(Math.Max(0, live.Count - _options.MaxLoadedVersions)).ToList())
            {
                if (Retire(victim))
                {
                    victims.Add(victim);
                }
            }
        }

        foreach (var victim in victims)
        {
            TrackUnload(victim, "least recently used");
        }
    }

    private void TrackUnload(LoadedVersion entry, string why)
    {
        var unload = UnloadAsync(entry, why, removeCachedFiles: true);
        lock (_gate)
        {
            _unloads.RemoveAll(t => t.IsCompleted);
            _unloads.Add(unload);
        }
    }

    private async Task UnloadAsync(LoadedVersion entry, string why, bool removeCachedFiles)
    {
        ClassificationEngine engine;
        try
        {
            engine = await entry.Loading;
        }
        catch (Exception)
        {
            // Nothing was loaded, so there is nothing to release; the failure was logged when it happened.
            return;
        }

        Task<ClassificationEngine>[] variants;
        lock (_gate)
        {
            variants = [.. entry.Variants.Values];
        }

        foreach (var variant in variants)
        {
            try
            {
                await (await variant).DisposeAsync();
            }
            catch (Exception ex)
            {
                // A variant that never loaded has nothing to release; its failure was logged when it happened.
                if (variant.IsCompletedSuccessfully)
                {
                    Log.UnloadFailed(_logger, entry.Name, entry.Version, ex);
                }
            }
        }

        try
        {
            await engine.DisposeAsync();
            _metrics.Unloads.Add(1, ServingMetrics.Tags(entry.Name, entry.Version));
            Log.Unloaded(_logger, entry.Name, entry.Version, why);
        }
        catch (Exception ex)
        {
            Log.UnloadFailed(_logger, entry.Name, entry.Version, ex);
        }

        bool reloaded;
        lock (_gate)
        {
            reloaded = _versions.ContainsKey((entry.Name, entry.Version));
        }

        // An engine keeps what it needs in memory, so its files go with it, unless a new load of the version uses them.
        if (removeCachedFiles && !reloaded)
        {
            await _registry.RemoveFromCacheAsync(entry.Name, entry.Version);
        }
    }

    /// <summary>The version a served alias points at, and the ETag of the aliases.json that said so.</summary>
    private readonly record struct ServedAlias(string Version, string? ETag);

    /// <summary>One version: its load (single-flight), its references and its place in the LRU order.</summary>
    private sealed class LoadedVersion(string name, string version)
    {
        public string Name { get; } = name;

        public string Version { get; } = version;

        public Task<ClassificationEngine> Loading { get; set; } = null!;

        /// <summary>Engines of the variants besides the default one (<see cref="Loading"/>), by variant; guarded by the lock.</summary>
        public Dictionary<string, Task<ClassificationEngine>> Variants { get; } = new(StringComparer.Ordinal);

        public int References { get; set; }

        public long LastUsed { get; set; }

        public bool Retired { get; set; }

        public bool UnloadStarted { get; set; }

        public long FailedAt { get; set; }

        public bool FailedRecently => Stopwatch.GetElapsedTime(FailedAt) < s_failureRetention;
    }
}
