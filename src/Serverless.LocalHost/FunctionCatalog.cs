using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.DurableTask;

namespace Serverless.LocalHost;

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
