using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Serverless.Infra.Tests;

public sealed class BicepTests
{
    private static readonly string s_repositoryRoot = SolutionRoot.FindAbove(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"{SolutionRoot.SolutionFile} not found above the test folder.");

    /// <summary>The folder holding Serverless.sln.</summary>
    internal static string RepositoryRoot => s_repositoryRoot;

    [Fact]
    public async Task MainBicep_Lint_ReportsNoWarningsOrErrors()
    {
        var (exitCode, output) = await RunBicepAsync("lint", Path.Combine(s_repositoryRoot, "infra", "main.bicep"));

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("Warning", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Error", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MainBicep_Build_DeploysStorageWithoutSharedKeysAndOutputsForAzd()
    {
        var (exitCode, output) = await RunBicepAsync("build", Path.Combine(s_repositoryRoot, "infra", "main.bicep"), "--stdout");

        Assert.True(exitCode == 0, output);
        var template = JsonNode.Parse(output)!;
        var outputs = template["outputs"]!.AsObject().Select(o => o.Key).ToList();
        Assert.Contains("AZURE_FUNCTION_APP_URL", outputs);
        Assert.Contains("AZURE_STORAGE_ACCOUNT_NAME", outputs);
        Assert.Contains("allowSharedKeyAccess\":false", output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MainParameters_CoverEveryRequiredParameter()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(s_repositoryRoot, "infra", "main.parameters.json")))!["parameters"]!.AsObject();
        var template = await BuildMainAsync();
        var required = template["parameters"]!.AsObject().Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key).ToList();

        Assert.Contains("environmentName", required);
        Assert.Contains("functionsImage", required);
        Assert.All(required, name => Assert.Contains(name, parameters.Select(p => p.Key)));
        Assert.All(parameters.Select(p => p.Key), name => Assert.NotNull(template["parameters"]![name]));
    }

    /// <summary>infra/main.bicep built to an ARM template.</summary>
    internal static async Task<JsonNode> BuildMainAsync()
    {
        var (exitCode, output) = await RunBicepAsync("build", Path.Combine(s_repositoryRoot, "infra", "main.bicep"), "--stdout");
        Assert.True(exitCode == 0, output);
        return JsonNode.Parse(output)!;
    }

    private static async Task<(int ExitCode, string Output)> RunBicepAsync(params string[] arguments)
    {
        var cli = typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
        Assert.True(File.Exists(cli), $"The Bicep CLI was not restored at {cli}: run dotnet restore.");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cli, File.GetUnixFileMode(cli) | UnixFileMode.UserExecute);
        }
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
