using Serverless.Packages;

using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>The stack of transformer layers, named encoder.layer.N as in Hugging Face.</summary>
internal sealed class BertEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> _layers;

    public BertEncoder(ModelConfig config) : base(nameof(BertEncoder))
    {
        _layers = ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        register_module("layer", _layers);
    }

    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();

        // Additive mask: 0 where attended, the most negative float where padded (Hugging Face's convention).
        var bias = (1.0f - attentionMask.to_type(hidden.dtype)).unsqueeze(1).unsqueeze(2) * float.MinValue;
        foreach (var layer in _layers)
        {
            hidden = layer.call(hidden, bias);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}
