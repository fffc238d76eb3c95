// Hand-written: Azure Functions Core Tools cannot be installed here, so this runs the app's own functions as func start would.
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Azure.Functions.Worker;
using Serverless.Functions;
using Serverless.Functions.Queues;
using Serverless.Registry;

namespace Serverless.LocalHost;

/// <summary>
/// Runs a function app's own <c>[Function]</c> classes without Azure Functions Core Tools: HTTP triggers on Kestrel
/// (loopback only) under host.json's route prefix, queue triggers polled with host.json's queue settings, orchestrator and
/// activity functions on an in-process Durable Task engine with host.json's task hub, the app's services and worker
/// middleware as the app configures them, and app settings from <c>local.settings.json</c> like <c>func start</c>.
/// It is an invoker of the app's code, not an implementation of the Functions host protocol.
/// </summary>
/// <remarks>
/// Command line: <c>--port N</c> (default 7071; 0 for a free port), <c>--script-root DIR</c> (where host.json and
/// local.settings.json are; default the current directory when it has a host.json, else the program's folder), and any
/// app setting as <c>--Name=value</c>. Environment variables override local.settings.json; the command line overrides both.
/// </remarks>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    /// <summary>The port <c>func start</c> uses.</summary>
    public const int DefaultPort = 7071;

    private const string PortKey = "LocalHost:Port";
    private const string ScriptRootKey = "LocalHost:ScriptRoot";

    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--port"] = PortKey,
        ["-p"] = PortKey,
        ["--script-root"] = ScriptRootKey,
    };

    private readonly WebApplication _app;
    private readonly LocalWorkerApplicationBuilder _worker;

    private LocalFunctionsHost(WebApplication app, LocalWorkerApplicationBuilder worker, FunctionCatalog catalog, HostJson hostJson, string scriptRoot)
    {
        _app = app;
        _worker = worker;
        Catalog = catalog;
        HostJson = hostJson;
        ScriptRoot = scriptRoot;
    }

    /// <summary>The functions served and those skipped.</summary>
    public FunctionCatalog Catalog { get; }

    /// <summary>The host.json settings in effect.</summary>
    public HostJson HostJson { get; }

    /// <summary>The folder host.json and local.settings.json are read from.</summary>
    public string ScriptRoot { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The app settings the functions see.</summary>
    public IConfiguration Configuration => _app.Configuration;

    /// <summary>Where the host listens, e.g. <c>http://127.0.0.1:7071/</c>; known once started.</summary>
    /// <exception cref="InvalidOperationException">The host has not started.</exception>
    public Uri BaseAddress =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            ? new Uri(address.EndsWith('/') ? address : address + "/")
            : throw new InvalidOperationException("The local host has not started yet.");

    /// <summary>
    /// Builds the host for the functions of <paramref name="functionAssembly"/>. <paramref name="configure"/> is the app's
    /// own worker configuration — the services and middleware it registers under the Functions worker — run against the
    /// local host's services and invocation pipeline.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting, host.json or a function's declaration is invalid.</exception>
    public static LocalFunctionsHost Create(Assembly functionAssembly, Action<IFunctionsWorkerApplicationBuilder, IConfiguration> configure,
        string[] args)
    {
        ArgumentNullException.ThrowIfNull(functionAssembly);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(args);

        var bootstrap = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args, SwitchMappings).Build();
        var scriptRoot = ResolveScriptRoot(bootstrap[ScriptRootKey]);
        var port = bootstrap.GetValue(PortKey, DefaultPort);
        if (port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"--port must be between 0 and 65535 (0 picks a free port); it is {port}.");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = scriptRoot });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddLocalSettings(scriptRoot).AddEnvironmentVariables().AddCommandLine(args, SwitchMappings);
        var hostJson = HostJson.Load(scriptRoot, builder.Configuration);
        // The app reads the retry limit from the same setting the Functions host honours; make it the one in effect here.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{HostJsonConfiguration.OverrideSection}:{QueueRetryOptions.HostJsonKey}"] = hostJson.Queues.MaxDequeueCount.ToString(CultureInfo.InvariantCulture),
        });

        // Request logs would drown the function logs; Executing/Executed lines say what happened, as under func.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The Durable Task engine reports every poll and lease at Information; its warnings and errors are what matter here.
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        // host.json's levels, as the Functions host applies them (its "Function" category is the invocation lines' one).
        foreach (var (category, level) in hostJson.LogLevels)
        {
            if (string.Equals(category, HostJson.DefaultLogCategory, StringComparison.OrdinalIgnoreCase))
            {
                builder.Logging.SetMinimumLevel(level);
            }
            else
            {
                builder.Logging.AddFilter(category, level);
            }
        }

        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

        var catalog = FunctionCatalog.Discover(functionAssembly);
        var services = builder.Services;
        // What the worker itself provides to an app: its JSON settings and, with ASP.NET Core integration, MVC to run results.
        services.Configure<JsonSerializerOptions>(options => options.PropertyNameCaseInsensitive = true);
        services.AddMvc();
        services.AddSingleton(hostJson);
        // The app's own composition adds the same storage again; the second call does nothing.
        services.AddServerlessStorage(builder.Configuration);
        services.AddSingleton(sp => new QueueClients(builder.Configuration, hostJson, sp.GetRequiredService<ServerlessStorage>()));
        var worker = new LocalWorkerApplicationBuilder(services);
        configure(worker, builder.Configuration);
        services.AddSingleton(worker);
        services.AddSingleton<FunctionInvoker>();
        if (catalog.UsesDurableTask)
        {
            // Before the queue listeners: a queue function may bind a Durable client as soon as its first message arrives.
            services.AddDurableFunctions(catalog);
        }

        foreach (var function in catalog.Functions)
        {
            if (function.Trigger is QueueFunctionTrigger trigger)
            {
                var queueName = QueueClients.ResolveName(builder.Configuration, trigger.QueueName, function.Name);
                services.AddSingleton<IHostedService>(sp =>
                {
                    var queues = sp.GetRequiredService<QueueClients>();
                    return new QueueTriggerListener(function, queues.Get(trigger.Connection, queueName),
                        queues.Get(trigger.Connection, $"{queueName}-poison"), hostJson.Queues,
                        sp.GetRequiredService<FunctionInvoker>(), sp.GetRequiredService<ILogger<QueueTriggerListener>>());
                });
            }
        }

        var app = builder.Build();
        app.Use(LoopbackRequestGuard.InvokeAsync);
        MapHttpFunctions(app, catalog, hostJson.RoutePrefix);
        var host = new LocalFunctionsHost(app, worker, catalog, hostJson, scriptRoot);
        app.Lifetime.ApplicationStarted.Register(host.LogFunctions);
        return host;
    }

    /// <summary>Starts listening and polling.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Stops polling and listening, and waits for invocations in flight.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Runs until Ctrl-C, SIGTERM or <paramref name="cancellationToken"/>, then stops gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        await _app.WaitForShutdownAsync(cancellationToken);
    }

    /// <summary>Stops the host first when it is still running (its queue listeners and Durable Task engine would keep polling storage), then disposes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app.Lifetime.ApplicationStarted.IsCancellationRequested && !_app.Lifetime.ApplicationStopped.IsCancellationRequested)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(deadline.Token);
        }

        await _app.DisposeAsync();
    }

    /// <summary>The full route template of an HTTP function: host.json's prefix and the function's route.</summary>
    public static string RouteOf(HttpFunctionTrigger trigger, string routePrefix)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return "/" + string.Join('/', new[] { routePrefix.Trim('/'), trigger.Route.Trim('/') }.Where(s => s.Length > 0));
    }

    private static void MapHttpFunctions(WebApplication app, FunctionCatalog catalog, string routePrefix)
    {
        var invoker = app.Services.GetRequiredService<FunctionInvoker>();
        foreach (var function in catalog.Functions)
        {
            if (function.Trigger is not HttpFunctionTrigger trigger)
            {
                continue;
            }

            RequestDelegate handler = context => invoker.InvokeHttpAsync(function, context);
            var pattern = RouteOf(trigger, routePrefix);
            var endpoint = trigger.Methods.Count == 0 ? app.Map(pattern, handler) : app.MapMethods(pattern, trigger.Methods, handler);
            endpoint.WithDisplayName(function.Name).WithMetadata(function);
        }
    }

    private static string ResolveScriptRoot(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            var root = Path.GetFullPath(configured);
            return Directory.Exists(root)
                ? root
                : throw new InvalidOperationException($"--script-root {configured}: no such folder.");
        }

        var current = Directory.GetCurrentDirectory();
        return File.Exists(Path.Combine(current, HostJsonConfiguration.FileName)) ? current : AppContext.BaseDirectory;
    }

    private void LogFunctions()
    {
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Serverless.LocalHost");
        var baseAddress = BaseAddress.ToString().TrimEnd('/');
        Log.HostListening(logger, baseAddress);
        Log.FunctionsHeader(logger);
        var queues = _app.Services.GetServices<IHostedService>().OfType<QueueTriggerListener>().ToList();
        foreach (var function in Catalog.Functions)
        {
            switch (function.Trigger)
            {
                case HttpFunctionTrigger http:
                    Log.HttpFunction(logger, function.Name, http.Methods.Count == 0 ? "*" : string.Join(',', http.Methods),
                        baseAddress + RouteOf(http, HostJson.RoutePrefix));
                    break;
                case QueueFunctionTrigger:
                    Log.QueueFunction(logger, function.Name, queues.First(q => q.Function == function).QueueName);
                    break;
                case OrchestrationFunctionTrigger:
                    Log.OrchestratorFunction(logger, function.Name);
                    break;
                case ActivityFunctionTrigger:
                    Log.ActivityFunction(logger, function.Name);
                    break;
            }
        }

        foreach (var skipped in Catalog.Skipped)
        {
            Log.SkippedFunction(logger, skipped.Name, skipped.Reason);
        }

        Log.Ready(logger, Catalog.Functions.Count, _worker.MiddlewareCount, ScriptRoot);
    }
}
