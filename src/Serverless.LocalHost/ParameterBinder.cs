using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Serverless.LocalHost;

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
