using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions;

namespace Serverless.LocalHost;

/// <summary>
/// The Serverless function app as the local host runs it: its assembly, and the same composition
/// (<see cref="FunctionsServiceCollectionExtensions.AddServerlessFunctions"/>) and middleware
/// (<see cref="FunctionsWorkerBuilderExtensions.UseServerlessFunctions"/>) its Program.cs gives the Functions worker.
/// </summary>
public static class ServerlessFunctionApp
{
    /// <summary>The assembly holding the function classes.</summary>
    public static Assembly Assembly { get; } = typeof(FunctionsWorkerBuilderExtensions).Assembly;

    /// <summary>Registers the app's middleware and services, exactly as under the Functions worker.</summary>
    public static void Configure(IFunctionsWorkerApplicationBuilder worker, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(worker);
        worker.UseServerlessFunctions();
        worker.Services.AddServerlessFunctions(configuration);
    }
}
