using System.Threading.Channels;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.LocalHost.Tests.Samples;

/// <summary>
/// The sample app's worker configuration, the one place its services and middleware are registered — what a real app's
/// Program.cs and the local host both call.
/// </summary>
public static class SampleApp
{
    public static void Configure(IFunctionsWorkerApplicationBuilder worker, IConfiguration configuration)
    {
        worker.UseMiddleware<SampleProblemMiddleware>();
        worker.Services.AddSingleton<QueueProbe>();
        worker.Services.AddSingleton<LogProbe>();
        worker.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<LogProbe>());
        worker.Services.AddScoped<InvocationTag>();
    }
}

/// <summary>Per-invocation state: the middleware writes it, the function reads it.</summary>
public sealed class InvocationTag
{
    public string? Value { get; set; }
}

/// <summary>What the sample queue functions saw, in order.</summary>
public sealed class QueueProbe
{
    private readonly Channel<ProbeCall> _calls = Channel.CreateUnbounded<ProbeCall>();

    public void Record(string function, string message, long dequeueCount) =>
        _calls.Writer.TryWrite(new ProbeCall(function, message, dequeueCount));

    public async Task<ProbeCall> NextAsync(CancellationToken cancellationToken) => await _calls.Reader.ReadAsync(cancellationToken);

    public bool TryNext(out ProbeCall? call) => _calls.Reader.TryRead(out call);
}

public sealed record ProbeCall(string Function, string Message, long DequeueCount);

public sealed record Order(string Id, decimal Total);
