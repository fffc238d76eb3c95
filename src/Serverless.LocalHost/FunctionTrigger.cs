namespace Serverless.LocalHost;

/// <summary>What starts a function.</summary>
/// <param name="ParameterName">The method parameter the trigger binds to.</param>
public abstract record FunctionTrigger(string ParameterName)
{
    /// <summary>The binding type as the Functions metadata names it (<c>httpTrigger</c>, <c>queueTrigger</c>).</summary>
    public abstract string BindingType { get; }
}
