using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Serverless.Testing;

/// <summary>
/// Shares one <see cref="AzuriteFixture"/> across the test classes of an assembly. xUnit v2 only honours collection
/// definitions declared in the test assembly itself, so each test project that needs storage declares this one line:
/// <c>[CollectionDefinition(AzuriteCollection.Name)] public sealed class AzuriteTests : AzuriteCollection;</c>
/// and its test classes use <c>[Collection(AzuriteCollection.Name)]</c>.
/// </summary>
#pragma warning disable CA1711 // "Collection" is xUnit's word for a group of test classes sharing a fixture.
public abstract class AzuriteCollection : ICollectionFixture<AzuriteFixture>
#pragma warning restore CA1711
{
    /// <summary>Collection name for <c>[Collection(AzuriteCollection.Name)]</c>.</summary>
    public const string Name = "Azurite";
}

/// <summary>
/// A real Azurite for integration tests. Uses the one <c>./test.sh</c> started (environment variable
/// <see cref="EnvironmentVariable"/>); otherwise starts the repository's pinned Azurite on free loopback ports with its
/// data in a temporary folder, and stops it when the tests are done.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Connection string of an Azurite that is already running.</summary>
    public const string EnvironmentVariable = "SERVERLESS_TEST_STORAGE";

    /// <summary>Per-test timeout in milliseconds, for <c>[Fact(Timeout = AzuriteFixture.TestTimeoutMs)]</c>.</summary>
    public const int TestTimeoutMs = 60_000;

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _dataDirectory;
    private int _counter;

    /// <summary>Connection string of the blob, queue and table endpoints.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>
    /// A container or queue name unique to this call: the prefix reduced to lower-case letters, digits and single hyphens,
    /// then a counter and random suffix, at most 63 characters — valid for both blob containers and queues.
    /// </summary>
    public string UniqueName(string prefix)
    {
        var cleaned = NonNameCharacters().Replace(prefix.ToLowerInvariant(), "-");
        cleaned = RepeatedHyphens().Replace(cleaned, "-").Trim('-');
        if (cleaned.Length == 0)
        {
            cleaned = "t";
        }

        var suffix = $"-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..16].TrimEnd('-');
        return cleaned[..Math.Min(cleaned.Length, 63 - suffix.Length)].TrimEnd('-') + suffix;
    }

    /// <summary>A token that is cancelled after <see cref="TestTimeoutMs"/>, so a hanging call fails the test.</summary>
    public static CancellationToken TestTimeout() => new CancellationTokenSource(TestTimeoutMs).Token;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var existing = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(existing))
        {
            ConnectionString = existing;
            return;
        }

        var azurite = Path.Combine(RepositoryRoot.Path, "tools", "node", "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed at {azurite} and {EnvironmentVariable} is not set: run ./test.sh, which installs it (npm ci in tools/node) and starts it.");
        }

        _dataDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", $"{blob}", "--queuePort", $"{queue}", "--tablePort", $"{table}",
            "--location", _dataDirectory, "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {azurite}.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + s_startTimeout;
        while (!await AcceptsAsync(blob) || !await AcceptsAsync(queue))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} while starting:\n{Output()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Azurite did not open ports {blob}/{queue} within {s_startTimeout.TotalSeconds} s:\n{Output()}");
            }

            await Task.Delay(100);
        }

        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Only the start-up output matters for diagnosis; cap it so a long test run does not grow it without bound.
            if (_output.Length < 64_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NonNameCharacters();

    [GeneratedRegex("-{2,}")]
    private static partial Regex RepeatedHyphens();
}
