using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serverless.Functions.Tests.Training.Runners;

/// <summary>
/// Azure Resource Manager's Container Apps job endpoints on loopback: records every request, starts executions named
/// <c>exec-1</c>, <c>exec-2</c>…, serves the statuses a test sets (an execution without one is 404), and answers with a
/// forced status and ARM error body when a test sets one.
/// </summary>
internal sealed class FakeArm : IAsyncDisposable
{
    public const string JobPath = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.App/jobs/caj-trainer";

    private readonly WebApplication _app;
    private int _executions;

    private FakeArm(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public ConcurrentQueue<Recorded> Requests { get; } = new();

    public ConcurrentDictionary<string, string> Statuses { get; } = new();

    public (int Status, string Code, string Message)? Failure { get; set; }

    public static async Task<FakeArm> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var arm = new FakeArm(app);
        app.Run(arm.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        arm.Endpoint = new Uri(address);
        return arm;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var request = new Recorded(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Query["api-version"].ToString(),
            context.Request.Headers.Authorization.ToString(),
            body.Length == 0 ? null : JsonNode.Parse(body));
        Requests.Enqueue(request);
        if (Failure is { } failure)
        {
            await Answer(context, failure.Status, new JsonObject { ["error"] = new JsonObject { ["code"] = failure.Code, ["message"] = failure.Message } });
            return;
        }

        var path = request.Path;
        if (request.Method == "POST" && path == $"{JobPath}/start")
        {
            var name = $"exec-{Interlocked.Increment(ref _executions)}";
            Statuses[name] = "Running";
            await Answer(context, 202, new JsonObject { ["name"] = name, ["id"] = $"{JobPath}/executions/{name}" });
        }
        else if (path.StartsWith($"{JobPath}/executions/", StringComparison.Ordinal))
        {
            var rest = path[$"{JobPath}/executions/".Length..].Split('/');
            if (!Statuses.TryGetValue(rest[0], out var status))
            {
                await Answer(context, 404, new JsonObject { ["error"] = new JsonObject { ["code"] = "ResourceNotFound", ["message"] = "not found" } });
            }
            else if (request.Method == "GET" && rest.Length == 1)
            {
                await Answer(context, 200, new JsonObject { ["name"] = rest[0], ["properties"] = new JsonObject { ["status"] = status } });
            }
            else if (request.Method == "POST" && rest is [_, "stop"])
            {
                Statuses[rest[0]] = "Stopped";
                context.Response.StatusCode = 202;
            }
            else
            {
                context.Response.StatusCode = 400;
            }
        }
        else
        {
            context.Response.StatusCode = 400;
        }
    }

    private static async Task Answer(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public sealed record Recorded(string Method, string Path, string ApiVersion, string Authorization, JsonNode? Body);
}
