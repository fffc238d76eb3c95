using System.Reflection;
using Microsoft.Azure.Functions.Worker;

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
