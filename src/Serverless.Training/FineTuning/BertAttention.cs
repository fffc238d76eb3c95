using Serverless.Packages;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>attention.self (query/key/value) and attention.output (dense, LayerNorm).</summary>
internal sealed class BertAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention _self;
    private readonly BertOutput _output;

    public BertAttention(ModelConfig config) : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertOutput(config, config.HiddenSize);
        register_module("self", _self);
        register_module("output", _output);
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        return _output.call(_self.call(hidden, maskBias), hidden).MoveToOuterDisposeScope();
    }
}
