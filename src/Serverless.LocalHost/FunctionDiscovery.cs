using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

/// <summary>A function the local host cannot serve, and why (it is listed at start and otherwise left alone).</summary>
/// <param name="Name">The function name.</param>
/// <param name="Reason">What the local host lacks for it.</param>
public sealed record SkippedFunction(string Name, string Reason);

/// <summary>The functions of an app assembly, found from <c>[Function]</c> methods and their trigger attributes.</summary>
/// <param name="Functions">The functions the local host serves.</param>
/// <param name="Skipped">Functions with triggers or bindings the local host does not provide.</param>
public sealed record FunctionCatalog(IReadOnlyList<LocalFunction> Functions, IReadOnlyList<SkippedFunction> Skipped)
{
    /// <summary>Whether any function is an orchestrator or an activity, or binds a Durable Task client.</summary>
    public bool UsesDurableTask => Functions.Any(f => f.Trigger is OrchestrationFunctionTrigger or ActivityFunctionTrigger
        || f.Method.GetParameters().Any(p => p.GetCustomAttribute<DurableClientAttribute>() is not null));

    /// <summary>Discovers the functions of <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">Two functions share a name.</exception>
    public static FunctionCatalog Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = new List<LocalFunction>();
        var skipped = new List<SkippedFunction>();
        foreach (var method in LoadableTypes(assembly)
                     .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                     .OrderBy(m => m.DeclaringType!.FullName, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            try
            {
                functions.Add(Describe(function.Name, method));
            }
            catch (UnsupportedBindingException exception)
            {
                skipped.Add(new SkippedFunction(function.Name, exception.Message));
            }
        }

        var duplicate = functions.Select(f => f.Name).Concat(skipped.Select(s => s.Name))
            .GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two functions in {assembly.GetName().Name} are named '{duplicate.Key}': function names must be unique.");
        }

        return new FunctionCatalog(functions, skipped);
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            return exception.Types.OfType<Type>();
        }
    }

    private static LocalFunction Describe(string name, MethodInfo method)
    {
        var parameters = method.GetParameters();
        var triggers = parameters.Where(p => p.GetCustomAttribute<TriggerBindingAttribute>() is not null).ToList();
        if (triggers.Count != 1)
        {
            throw new InvalidOperationException(
                $"Function '{name}' ({method.DeclaringType!.FullName}.{method.Name}) must have exactly one trigger parameter; it has {triggers.Count}.");
        }

        var triggerParameter = triggers[0];
        FunctionTrigger trigger = triggerParameter.GetCustomAttribute<TriggerBindingAttribute>() switch
        {
            HttpTriggerAttribute http => new HttpFunctionTrigger(triggerParameter.Name!, http.Route ?? name,
                [.. (http.Methods ?? []).Select(m => m.ToUpperInvariant())], http.AuthLevel),
            QueueTriggerAttribute queue => new QueueFunctionTrigger(triggerParameter.Name!, queue.QueueName,
                queue.Connection ?? QueueClients.DefaultConnection),
            OrchestrationTriggerAttribute => triggerParameter.ParameterType == typeof(TaskOrchestrationContext)
                ? new OrchestrationFunctionTrigger(triggerParameter.Name!)
                : throw new UnsupportedBindingException(
                    $"its [OrchestrationTrigger] parameter '{triggerParameter.Name}' is a {triggerParameter.ParameterType.Name}; the local host binds TaskOrchestrationContext"),
            ActivityTriggerAttribute => new ActivityFunctionTrigger(triggerParameter.Name!, triggerParameter.ParameterType),
            var other => throw new UnsupportedBindingException($"its trigger [{AttributeName(other!)}] is not served by the local host"),
        };

        var bindings = parameters.Select(p => ParameterBinder.For(p, trigger)).ToList();
        return new LocalFunction(name, method, trigger, bindings, OutputBinding.For(method));
    }

    internal static string AttributeName(Attribute attribute) => attribute.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal);
}

/// <summary>A trigger or binding the local host does not provide.</summary>
internal sealed class UnsupportedBindingException(string message) : Exception(message);

/// <summary>How one method parameter gets its value for an invocation.</summary>
internal sealed record ParameterBinding(ParameterInfo Parameter, Func<LocalFunctionContext, ValueTask<object?>> Bind);

internal static class ParameterBinder
{
    public static ParameterBinding For(ParameterInfo parameter, FunctionTrigger trigger)
    {
        var type = parameter.ParameterType;
        var name = parameter.Name!;
        if (type == typeof(FunctionContext))
        {
            return new(parameter, c => ValueTask.FromResult<object?>(c));
        }

        if (type == typeof(CancellationToken))
        {
            return new(parameter, c => ValueTask.FromResult<object?>(c.CancellationToken));
        }

        if (parameter.GetCustomAttribute<DurableClientAttribute>() is { } durableClient)
        {
            return ForDurableClient(parameter, durableClient);
        }

        if (parameter.GetCustomAttribute<BindingAttribute>() is { } binding && binding is not TriggerBindingAttribute)
        {
            throw new UnsupportedBindingException($"parameter '{name}' uses [{FunctionCatalog.AttributeName(binding)}], which the local host does not provide");
        }

        return trigger switch
        {
            HttpFunctionTrigger http => ForHttp(parameter, http),
            QueueFunctionTrigger queue => ForQueue(parameter, queue),
            OrchestrationFunctionTrigger orchestration when name == orchestration.ParameterName =>
                new(parameter, c => ValueTask.FromResult<object?>(c.Orchestration)),
            ActivityFunctionTrigger activity when name == activity.ParameterName =>
                new(parameter, c => ValueTask.FromResult(c.ActivityInput)),
            OrchestrationFunctionTrigger or ActivityFunctionTrigger =>
                Fallback(parameter, "it is not the trigger, a [DurableClient], a FunctionContext or a CancellationToken"),
            _ => throw new UnsupportedBindingException($"parameter '{name}' cannot be bound"),
        };
    }

    // The client of the local Durable Task engine; the host registers it whenever a function binds one.
    private static ParameterBinding ForDurableClient(ParameterInfo parameter, DurableClientAttribute attribute)
    {
        if (!parameter.ParameterType.IsAssignableFrom(typeof(DurableTaskClient)))
        {
            throw new UnsupportedBindingException(
                $"its [DurableClient] parameter '{parameter.Name}' is a {parameter.ParameterType.Name}; the local host binds DurableTaskClient");
        }

        if (!string.IsNullOrEmpty(attribute.TaskHub)
            || (!string.IsNullOrEmpty(attribute.ConnectionName) && attribute.ConnectionName != QueueClients.DefaultConnection))
        {
            throw new UnsupportedBindingException(
                $"its [DurableClient] parameter '{parameter.Name}' names another task hub or connection; the local host serves only host.json's task hub");
        }

        return new(parameter, c => ValueTask.FromResult<object?>(c.InstanceServices.GetRequiredService<DurableTaskClient>()));
    }

    private static ParameterBinding ForHttp(ParameterInfo parameter, HttpFunctionTrigger trigger)
    {
        var type = parameter.ParameterType;
        var name = parameter.Name!;
        if (name == trigger.ParameterName || type == typeof(HttpRequest) || type == typeof(HttpContext))
        {
            return type == typeof(HttpRequest) ? new(parameter, c => ValueTask.FromResult<object?>(c.HttpContext!.Request))
                : type == typeof(HttpContext) ? new(parameter, c => ValueTask.FromResult<object?>(c.HttpContext))
                : throw new UnsupportedBindingException(
                    $"its HTTP trigger parameter '{name}' is a {type.Name}; the local host binds HttpRequest (ASP.NET Core integration)");
        }

        if (parameter.GetCustomAttribute<FromBodyAttribute>() is not null)
        {
            return new(parameter, async c =>
            {
                var request = c.HttpContext!.Request;
                return await JsonSerializer.DeserializeAsync(request.Body, type, Json(c), c.CancellationToken);
            });
        }

        var routeParameters = RoutePatternFactory.Parse(trigger.Route).Parameters;
        if (routeParameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            return new(parameter, c => ValueTask.FromResult(
                c.HttpContext!.Request.RouteValues.TryGetValue(name, out var value) && value is not null
                    ? Convert(value, type, name)
                    : Missing(parameter)));
        }

        return Fallback(parameter, $"it is not the request, a route parameter of '{trigger.Route}', [FromBody], a FunctionContext or a CancellationToken");
    }

    private static ParameterBinding ForQueue(ParameterInfo parameter, QueueFunctionTrigger trigger)
    {
        var type = parameter.ParameterType;
        var name = parameter.Name!;
        if (name == trigger.ParameterName)
        {
            Func<QueueMessage, object?>? read =
                type == typeof(QueueMessage) ? m => m
                : type == typeof(string) ? m => m.Body.ToString()
                : type == typeof(BinaryData) ? m => m.Body
                : type == typeof(byte[]) ? m => m.Body.ToArray()
                : null;
            return new(parameter, c => ValueTask.FromResult(read is null ? Deserialize(c.QueueMessage!, type, Json(c)) : read(c.QueueMessage!)));
        }

        if (QueueMetadata.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return new(parameter, c => ValueTask.FromResult(c.BindingContext.BindingData.TryGetValue(name, out var value) && value is not null
                ? Convert(value, type, name)
                : Missing(parameter)));
        }

        return Fallback(parameter, $"it is not the message, queue metadata ({string.Join(", ", QueueMetadata.Names)}), a FunctionContext or a CancellationToken");
    }

    private static ParameterBinding Fallback(ParameterInfo parameter, string why) =>
        parameter.HasDefaultValue
            ? new(parameter, _ => ValueTask.FromResult(parameter.DefaultValue))
            : throw new UnsupportedBindingException($"parameter '{parameter.Name}' ({parameter.ParameterType.Name}) cannot be bound: {why}");

    // The worker's serializer settings (System.Text.Json, case-insensitive names), as the app may have configured them.
    private static JsonSerializerOptions Json(LocalFunctionContext context) =>
        context.InstanceServices.GetRequiredService<IOptions<JsonSerializerOptions>>().Value;

    private static object? Missing(ParameterInfo parameter) =>
        parameter.HasDefaultValue ? parameter.DefaultValue
        : parameter.ParameterType.IsValueType && Nullable.GetUnderlyingType(parameter.ParameterType) is null
            ? Activator.CreateInstance(parameter.ParameterType)
            : null;

    private static object? Deserialize(QueueMessage message, Type type, JsonSerializerOptions json)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Body, type, json);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"Queue message {message.MessageId} is not a JSON {type.Name}: {exception.Message}", exception);
        }
    }

    internal static object? Convert(object value, Type type, string name)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target.IsInstanceOfType(value))
        {
            return value;
        }

        try
        {
            return value is string text
                ? TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text)
                : System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or InvalidCastException or NotSupportedException or ArgumentException)
        {
            throw new InvalidOperationException($"The value of '{name}' cannot be converted to {target.Name}.", exception);
        }
    }
}

/// <summary>An output binding of a function: the return value or a property of the returned object.</summary>
/// <param name="Name">"$return" or the property name.</param>
/// <param name="BindingType">"queue" or "http".</param>
/// <param name="QueueName">The target queue (a name or <c>%Setting%</c>) for queue outputs.</param>
/// <param name="Connection">The app setting holding the storage connection.</param>
/// <param name="Select">Picks the binding's value from the function's result.</param>
internal sealed record OutputBinding(string Name, string BindingType, string? QueueName, string Connection, Func<object?, object?> Select)
{
    public const string ReturnName = "$return";

    public static IReadOnlyList<OutputBinding> For(MethodInfo method)
    {
        var outputs = new List<OutputBinding>();
        // The worker takes an output binding on the method (or its return value) as the binding of the return value.
        if ((method.GetCustomAttribute<OutputBindingAttribute>() ?? method.ReturnParameter.GetCustomAttribute<OutputBindingAttribute>())
            is { } returnBinding)
        {
            outputs.Add(Create(ReturnName, returnBinding, result => result));
        }

        var resultType = ResultType(method.ReturnType);
        if (resultType is not null && resultType != typeof(string) && !resultType.IsPrimitive)
        {
            foreach (var property in resultType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<HttpResultAttribute>() is not null)
                {
                    outputs.Add(new OutputBinding(property.Name, "http", null, QueueClients.DefaultConnection, property.GetValue));
                }
                else if (property.GetCustomAttribute<OutputBindingAttribute>() is { } binding)
                {
                    outputs.Add(Create(property.Name, binding, property.GetValue));
                }
            }
        }

        return outputs;
    }

    /// <summary>The type a function's result has once awaited; null for none.</summary>
    internal static Type? ResultType(Type returnType) =>
        returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask) ? null
        : returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returnType.GetGenericArguments()[0]
            : returnType;

    private static OutputBinding Create(string name, OutputBindingAttribute binding, Func<object?, object?> select) => binding switch
    {
        QueueOutputAttribute queue => new OutputBinding(name, "queue", queue.QueueName, queue.Connection ?? QueueClients.DefaultConnection, select),
        _ => throw new UnsupportedBindingException($"its output '{name}' uses [{FunctionCatalog.AttributeName(binding)}], which the local host does not provide"),
    };
}
