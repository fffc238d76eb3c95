using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>A single Linear registered as "dense" (Hugging Face's intermediate.dense).</summary>
internal sealed class BertDense : Module<Tensor, Tensor>
{
    private readonly Linear _dense;

    public BertDense(long inputs, long outputs) : base(nameof(BertDense))
    {
        _dense = Linear(inputs, outputs);
        register_module("dense", _dense);
    }

    public override Tensor forward(Tensor input) => _dense.call(input);
}
