using System.Collections.Concurrent;

using Microsoft.Extensions.Logging;

using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

/// <summary>Tiny real model packages shared by the tests of a class; written once into a temporary folder.</summary>
public sealed class TinyPackagesFixture : IDisposable
{
    public static readonly string[] ClassifierLabels = ["negative", "neutral", "positive"];
    public static readonly string[] MultiLabels = ["sports", "politics", "music", "food"];

    private readonly string _root = Directory.CreateTempSubdirectory("engine-tests-").FullName;

    public TinyPackagesFixture()
    {
        Classifier = ModelPackage.Open(TinyModels.WriteClassifierPackage(Path.Combine(_root, "classifier"), ClassifierLabels, maxLength: 64, seed: 7));
        MultiLabel = ModelPackage.Open(TinyModels.WriteClassifierPackage(
            Path.Combine(_root, "multi"), MultiLabels, ModelConfig.MultiLabel, seed: 3, maxLength: 64));
        Short = ModelPackage.Open(TinyModels.WriteClassifierPackage(Path.Combine(_root, "short"), ClassifierLabels, maxLength: 16, seed: 7));
        BaseEncoder = ModelPackage.Open(TinyModels.WriteBaseEncoderPackage(Path.Combine(_root, "encoder")));
    }

    public ModelPackage Classifier { get; }
    public ModelPackage MultiLabel { get; }
    public ModelPackage Short { get; }
    public ModelPackage BaseEncoder { get; }

    /// <summary>A fresh folder under the fixture's root for a test's own package.</summary>
    public string NewDirectory(string name) => Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>Builders for options, texts and engines used across tests.</summary>
internal static class Engines
{
    private static readonly string[] s_words = ["hello", "world", "good", "bad", "great", "movie", "meeting", "tomorrow", "lunch", "report", "team", "project"];

    public static ServingOptions Cpu => new() { Device = InferenceDevice.Cpu, IntraOpThreads = 1 };

    /// <summary>A text of <paramref name="words"/> in-vocabulary words (each one token), varied by <paramref name="seed"/>.</summary>
    public static string Text(int words, int seed = 0) =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => s_words[(i * 7 + seed) % s_words.Length]));

    public static Task<ClassificationEngine> StartAsync(
        ModelPackage package, BatchingOptions? batching = null, ILoggerFactory? loggers = null, string? name = null,
        InferenceMetrics? metrics = null) =>
        ClassificationEngine.CreateAsync(package, new ModelIdentity(name ?? "tiny", "1"), Cpu, batching ?? new BatchingOptions(),
            loggers ?? LoggerFactory.Create(_ => { }), metrics, CancellationToken.None);
}

/// <summary>Keeps every log entry, so tests can assert what was logged.</summary>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Entries.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
