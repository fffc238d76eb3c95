namespace Serverless.LocalHost;

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
