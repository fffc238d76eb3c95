using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.LocalHost;

/// <summary>A function of the app, found from its <c>[Function]</c> and trigger attributes, that the local host serves.</summary>
public sealed class LocalFunction
{
    internal LocalFunction(string name, MethodInfo method, FunctionTrigger trigger, IReadOnlyList<ParameterBinding> parameters,
        IReadOnlyList<OutputBinding> outputs)
    {
        Name = name;
        Method = method;
        Trigger = trigger;
        Parameters = parameters;
        Outputs = outputs;
        Definition = new LocalFunctionDefinition(this);
        _factory = new Lazy<ObjectFactory>(() => ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes));
        var resultType = OutputBinding.ResultType(method.ReturnType);
        if (resultType is not null && method.ReturnType != resultType)
        {
            _asTask = method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>) ? method.ReturnType.GetMethod(nameof(ValueTask<int>.AsTask)) : null;
            _taskResult = typeof(Task<>).MakeGenericType(resultType).GetProperty(nameof(Task<int>.Result));
        }
    }

    private readonly Lazy<ObjectFactory> _factory;
    private readonly MethodInfo? _asTask;
    private readonly PropertyInfo? _taskResult;

    /// <summary>The name in <c>[Function("…")]</c>.</summary>
    public string Name { get; }

    /// <summary>The method the host invokes.</summary>
    public MethodInfo Method { get; }

    /// <summary>What starts the function.</summary>
    public FunctionTrigger Trigger { get; }

    internal IReadOnlyList<ParameterBinding> Parameters { get; }

    internal IReadOnlyList<OutputBinding> Outputs { get; }

    internal FunctionDefinition Definition { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Trigger}";

    /// <summary>Creates the function class from the invocation's services, as the worker's function activator does.</summary>
    internal object CreateInstance(IServiceProvider services) => _factory.Value(services, null);

    /// <summary>Awaits what the method returned (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt; or a value) and gives its result.</summary>
    internal async ValueTask<object?> AwaitResultAsync(object? returned)
    {
        if (_asTask is not null)
        {
            returned = _asTask.Invoke(returned, null);
        }

        switch (returned)
        {
            case Task task:
                await task;
                return _taskResult?.GetValue(task);
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                return returned;
        }
    }
}

/// <summary>What starts a function.</summary>
/// <param name="ParameterName">The method parameter the trigger binds to.</param>
public abstract record FunctionTrigger(string ParameterName)
{
    /// <summary>The binding type as the Functions metadata names it (<c>httpTrigger</c>, <c>queueTrigger</c>).</summary>
    public abstract string BindingType { get; }
}

/// <summary>An HTTP trigger: the route template (without the host's route prefix) and the allowed methods.</summary>
/// <param name="ParameterName">The request parameter.</param>
/// <param name="Route">The route template; the function name when the attribute sets none.</param>
/// <param name="Methods">Upper-case HTTP methods; empty for any.</param>
/// <param name="AuthLevel">The attribute's authorization level (not enforced locally: the host listens on loopback only).</param>
public sealed record HttpFunctionTrigger(string ParameterName, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel)
    : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "httpTrigger";

    /// <inheritdoc />
    public override string ToString() => $"[{(Methods.Count == 0 ? "*" : string.Join(",", Methods))}] {Route}";
}

/// <summary>A queue trigger: the queue name as written in the attribute (<c>%Setting%</c> references resolved at start).</summary>
/// <param name="ParameterName">The message parameter.</param>
/// <param name="QueueName">The queue name or a <c>%Setting%</c> reference.</param>
/// <param name="Connection">The app setting holding the storage connection (default <c>AzureWebJobsStorage</c>).</param>
public sealed record QueueFunctionTrigger(string ParameterName, string QueueName, string Connection) : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "queueTrigger";

    /// <inheritdoc />
    public override string ToString() => $"queueTrigger {QueueName}";
}

/// <summary>An orchestration trigger: the function is the orchestrator of that name, run by the local Durable Task worker.</summary>
/// <param name="ParameterName">The <c>TaskOrchestrationContext</c> parameter.</param>
public sealed record OrchestrationFunctionTrigger(string ParameterName) : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "orchestrationTrigger";

    /// <inheritdoc />
    public override string ToString() => BindingType;
}

/// <summary>An activity trigger: the function is the activity of that name, run by the local Durable Task worker.</summary>
/// <param name="ParameterName">The input parameter.</param>
/// <param name="InputType">The type the activity input is deserialized to.</param>
public sealed record ActivityFunctionTrigger(string ParameterName, Type InputType) : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "activityTrigger";

    /// <inheritdoc />
    public override string ToString() => BindingType;
}
