using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

internal sealed class LocalBindingContext(IReadOnlyDictionary<string, object?> bindingData) : BindingContext
{
    public override IReadOnlyDictionary<string, object?> BindingData => bindingData;
}
