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
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Program_StartedWithRepositorySettings_PrintsItsUrlAndFunctions_AndExitsZeroOnCtrlC()
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
        try
        {
            await ready.Task.WaitAsync(timeout);

            using (var interrupt = Process.Start("kill", ["-INT", $"{process.Id}"]))
            {
                await interrupt.WaitForExitAsync(timeout);
            }

            await process.WaitForExitAsync(timeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var log = Text();
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
