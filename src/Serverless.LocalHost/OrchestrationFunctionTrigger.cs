namespace Serverless.LocalHost;

/// <summary>An orchestration trigger: the function is the orchestrator of that name, run by the local Durable Task worker.</summary>
/// <param name="ParameterName">The <c>TaskOrchestrationContext</c> parameter.</param>
public sealed record OrchestrationFunctionTrigger(string ParameterName) : FunctionTrigger(ParameterName)
{
    /// <inheritdoc />
    public override string BindingType => "orchestrationTrigger";

    /// <inheritdoc />
    public override string ToString() => BindingType;
}
