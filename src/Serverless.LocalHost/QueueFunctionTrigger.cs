namespace Serverless.LocalHost;

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
