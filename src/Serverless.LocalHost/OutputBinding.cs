using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Serverless.LocalHost;

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
