using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Serverless.Benchmarks;

/// <summary>
/// transformers.js (<c>pipeline('text-classification')</c> on onnxruntime-node) classifying the same texts with the same
/// model package: the peer the engine is measured against. Runs tools/node/peer-benchmark.mjs in a child process.
/// </summary>
internal static class TransformersJsPeer
{
    private const string SetupHint = "Run ./test.sh or ./run.sh once: they install Node's pinned packages (transformers.js with onnxruntime-node) into tools/node.";

    // About a minute at the throughput measured here; the limit only stops a hung process on a shared machine.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(10);

    /// <summary>Classifies <paramref name="texts"/> in batches (arrival order), then each latency text on its own.</summary>
    /// <exception cref="PeerUnavailableException">Node or its packages are missing, or the peer failed or timed out.</exception>
    public static Task<PeerRun> RunAsync(string packageDirectory, IReadOnlyList<string> texts, IReadOnlyList<string> latencyTexts,
        int batchTexts, int threads, string workDirectory, CancellationToken cancellationToken) =>
        RunAsync(packageDirectory, texts, latencyTexts, batchTexts, threads, workDirectory, "fp32", cancellationToken);

    /// <summary>
    /// Classifies <paramref name="texts"/> in batches (arrival order), then each latency text on its own, with the package's
    /// <paramref name="dtype"/> graph: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx).
    /// </summary>
    /// <exception cref="PeerUnavailableException">Node or its packages are missing, or the peer failed or timed out.</exception>
    public static async Task<PeerRun> RunAsync(string packageDirectory, IReadOnlyList<string> texts, IReadOnlyList<string> latencyTexts,
        int batchTexts, int threads, string workDirectory, string dtype, CancellationToken cancellationToken)
    {
        var nodeTools = Path.Combine(Repository.FindRoot()?.FullName ?? ".", "tools", "node");
        foreach (var package in new[] { "@huggingface/transformers", "onnxruntime-node" })
        {
            if (!Directory.Exists(Path.Combine(nodeTools, "node_modules", package)))
            {
                throw new PeerUnavailableException($"{package} is not installed in {Path.GetFullPath(nodeTools)}. {SetupHint}");
            }
        }

        var textsPath = Path.Combine(workDirectory, "peer-texts.jsonl");
        var latencyPath = Path.Combine(workDirectory, "peer-latency-texts.jsonl");
        await File.WriteAllLinesAsync(textsPath, texts.Select(t => JsonSerializer.Serialize(t)), cancellationToken);
        await File.WriteAllLinesAsync(latencyPath, latencyTexts.Select(t => JsonSerializer.Serialize(t)), cancellationToken);

        var start = new ProcessStartInfo("node",
        [
            Path.Combine(nodeTools, "peer-benchmark.mjs"), packageDirectory, textsPath, latencyPath,
            batchTexts.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture), dtype,
        ])
        {
            WorkingDirectory = nodeTools,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PeerUnavailableException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new PeerUnavailableException($"Node.js is not on PATH ({ex.Message}): install Node 20 or later. {SetupHint}");
        }

        string stdout, stderr;
        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(s_timeout);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                (stdout, stderr) = (await output, await errors);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new PeerUnavailableException($"transformers.js did not finish within {s_timeout.TotalMinutes} minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new PeerUnavailableException($"transformers.js failed (exit {process.ExitCode}): {stderr.Trim()}");
            }
        }

        var run = JsonSerializer.Deserialize<PeerRun>(stdout, JsonSerializerOptions.Web)
            ?? throw new PeerUnavailableException($"transformers.js printed no result: {stdout.Trim()}");
        if (run.Labels.Count != texts.Count)
        {
            throw new PeerUnavailableException($"transformers.js returned {run.Labels.Count} labels for {texts.Count} texts.");
        }

        return run;
    }
}

/// <summary>What the peer measured: batch throughput over all texts, padding share, one-text latencies, predicted labels.</summary>
internal sealed record PeerRun(double Seconds, double Padding, IReadOnlyList<double> LatencyMilliseconds, IReadOnlyList<string> Labels)
{
    /// <summary>Texts per second over the batched run.</summary>
    public double TextsPerSecond => Labels.Count / Seconds;
}

/// <summary>The peer could not run; the message says why and what to do.</summary>
internal sealed class PeerUnavailableException(string message) : Exception(message);
