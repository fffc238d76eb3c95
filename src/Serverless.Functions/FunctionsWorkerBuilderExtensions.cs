using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Serverless.Functions.Http;

namespace Serverless.Functions;

/// <summary>The worker pipeline of the function app, shared by the Functions worker and the local host.</summary>
public static class FunctionsWorkerBuilderExtensions
{
    /// <summary>Adds the app's middleware: <see cref="ProblemDetailsMiddleware"/> around every function.</summary>
    public static IFunctionsWorkerApplicationBuilder UseServerlessFunctions(this IFunctionsWorkerApplicationBuilder worker) =>
        worker.UseMiddleware<ProblemDetailsMiddleware>();
}
