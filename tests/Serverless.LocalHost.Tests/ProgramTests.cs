using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

/// <summary>The built local host program, started as run.sh starts it, stopped with Ctrl-C (SIGINT).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProgramTests(AzuriteFixture azurite)
{
    // run.sh kills the app 10 s after SIGTERM; a graceful stop of an idle host takes about a second.
    private static readonly TimeSpan s_stopWithin = TimeSpan.FromSeconds(10);

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Program_StartedWithRepositorySettings_PrintsItsUrlAndFunctions_AndExitsZeroWithinSecondsOfCtrlC()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var root = RepositoryRoot.Path;
        var program = Path.Combine(root, "src", "Serverless.LocalHost", "bin", "Release", "net10.0", "linux-x64", "Serverless.LocalHost.dll");
        Assert.True(File.Exists(program), $"build src/Serverless.LocalHost in Release first: {program} is missing");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { program, "--port", $"{port}", "--script-root", root, $"--AzureWebJobsStorage={azurite.ConnectionString}", "--AzureFunctionsJobHost:extensions:durableTask:hubName=" + ("Program" + Guid.NewGuid().ToString("N"))[..30] })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var stopping = new Stopwatch();
        try
        {
            // Ctrl-C as soon as the host is ready: before the Durable Task worker's first call reaches the engine, too.
            await ready.Task.WaitAsync(timeout);
            stopping.Start();
            using (var interrupt = Process.Start("kill", ["-INT", $"{process.Id}"]))
            {
                await interrupt.WaitForExitAsync(timeout);
            }

            using var stopDeadline = CancellationTokenSource.CreateLinkedTokenSource(timeout);
            stopDeadline.CancelAfter(s_stopWithin);
            try
            {
                await process.WaitForExitAsync(stopDeadline.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                // Asserted below, with the log.
            }

            stopping.Stop();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var log = Text();
        Assert.True(stopping.Elapsed < s_stopWithin, $"still running {stopping.Elapsed.TotalSeconds:F1} s after Ctrl-C:\n{log}");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{log}");
        Assert.Contains($"http://127.0.0.1:{port}", log, StringComparison.Ordinal);
        Assert.Contains("Functions:", log, StringComparison.Ordinal);

        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains("Host ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        string Text()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
