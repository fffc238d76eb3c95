using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

internal sealed class LocalBindingMetadata(string name, string type, BindingDirection direction) : BindingMetadata
{
    public override string Name => name;

    public override string Type => type;

    public override BindingDirection Direction => direction;
}
