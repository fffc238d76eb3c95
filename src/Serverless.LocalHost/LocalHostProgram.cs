using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

/// <summary>The command-line entry: runs a function app until Ctrl-C; exit code 0 after a graceful stop, 1 when it cannot start.</summary>
public static class LocalHostProgram
{
    /// <summary>Creates and runs the host; a configuration or storage problem is printed as one actionable line.</summary>
    public static async Task<int> RunAsync(Assembly functionAssembly, Action<IFunctionsWorkerApplicationBuilder, IConfiguration> configure,
        string[] args)
    {
        try
        {
            await using var host = LocalFunctionsHost.Create(functionAssembly, configure, args);
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException
                                              or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"error: {exception.Message}");
            return 1;
        }
    }
}
