using Serverless.Packages;

using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>dense → dropout → LayerNorm(x + residual) (Hugging Face's BertSelfOutput and BertOutput).</summary>
internal sealed class BertOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _dense;
    private readonly LayerNorm _layerNorm;
    private readonly Dropout _dropout;

    public BertOutput(ModelConfig config, long inputs) : base(nameof(BertOutput))
    {
        _dense = Linear(inputs, config.HiddenSize);
        _layerNorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = Dropout(config.HiddenDropoutProb);
        register_module("dense", _dense);
        register_module("LayerNorm", _layerNorm);
        register_module("dropout", _dropout);
    }

    public override Tensor forward(Tensor input, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return _layerNorm.call(_dropout.call(_dense.call(input)) + residual).MoveToOuterDisposeScope();
    }
}
