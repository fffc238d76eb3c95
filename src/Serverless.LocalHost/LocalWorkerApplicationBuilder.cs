using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Serverless.LocalHost;

/// <summary>
/// The worker application builder the function app's own configuration runs against: its services go into the local
/// host's container and its middleware (<c>UseMiddleware&lt;T&gt;()</c>, <c>UseWhen</c>, …) into the local invocation
/// pipeline, in the order the app registers them, ahead of the function itself — as in the worker.
/// </summary>
public sealed class LocalWorkerApplicationBuilder(IServiceCollection services) : IFunctionsWorkerApplicationBuilder
{
    private readonly List<Func<FunctionExecutionDelegate, FunctionExecutionDelegate>> _middleware = [];

    /// <inheritdoc />
    public IServiceCollection Services { get; } = services;

    /// <summary>How many middleware components the app registered.</summary>
    public int MiddlewareCount => _middleware.Count;

    /// <inheritdoc />
    public IFunctionsWorkerApplicationBuilder Use(Func<FunctionExecutionDelegate, FunctionExecutionDelegate> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>Composes the registered middleware around <paramref name="function"/> (the first registered runs first).</summary>
    public FunctionExecutionDelegate Build(FunctionExecutionDelegate function)
    {
        var pipeline = function;
        for (var i = _middleware.Count - 1; i >= 0; i--)
        {
            pipeline = _middleware[i](pipeline);
        }

        return pipeline;
    }
}
