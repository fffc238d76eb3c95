using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

internal sealed class LocalFunctionDefinition(LocalFunction function) : FunctionDefinition
{
    private const string HttpBindingType = "http";

    public override ImmutableArray<FunctionParameter> Parameters { get; } =
        [.. function.Method.GetParameters().Select(p => new FunctionParameter(p.Name ?? string.Empty, p.ParameterType))];

    public override string PathToAssembly => function.Method.DeclaringType!.Assembly.Location;

    public override string EntryPoint => $"{function.Method.DeclaringType!.FullName}.{function.Method.Name}";

    public override string Id { get; } = function.Name;

    public override string Name => function.Name;

    public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
        ImmutableDictionary<string, BindingMetadata>.Empty.Add(function.Trigger.ParameterName,
            new LocalBindingMetadata(function.Trigger.ParameterName, function.Trigger.BindingType, BindingDirection.In));

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } = OutputsOf(function);

    private static ImmutableDictionary<string, BindingMetadata> OutputsOf(LocalFunction function)
    {
        var outputs = function.Outputs.ToImmutableDictionary(o => o.Name,
            o => (BindingMetadata)new LocalBindingMetadata(o.Name, o.BindingType, BindingDirection.Out));
        // The worker's metadata gives an HTTP function an http "$return" binding unless an [HttpResult] property replaces it.
        return function.Trigger is HttpFunctionTrigger && !outputs.ContainsKey(OutputBinding.ReturnName)
            && !outputs.Values.Any(o => o.Type == HttpBindingType)
            ? outputs.Add(OutputBinding.ReturnName, new LocalBindingMetadata(OutputBinding.ReturnName, HttpBindingType, BindingDirection.Out))
            : outputs;
    }
}
