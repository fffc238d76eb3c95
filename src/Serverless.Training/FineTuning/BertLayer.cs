using Serverless.Packages;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>Self-attention then the feed-forward block, each with a residual and post-LayerNorm.</summary>
internal sealed class BertLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention _attention;
    private readonly BertDense _intermediate;
    private readonly BertOutput _output;

    public BertLayer(ModelConfig config) : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertDense(config.HiddenSize, config.IntermediateSize);
        _output = new BertOutput(config, config.IntermediateSize);
        register_module("attention", _attention);
        register_module("intermediate", _intermediate);
        register_module("output", _output);
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var attended = _attention.call(hidden, maskBias);
        var intermediate = functional.gelu(_intermediate.call(attended));
        return _output.call(intermediate, attended).MoveToOuterDisposeScope();
    }
}
