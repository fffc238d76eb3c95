using System.Numerics.Tensors;

namespace Serverless.Training.HeadOnly;

/// <summary>A fitted linear classifier: logits = W·x + b, W [classes, features] row-major.</summary>
public sealed class LogisticRegressionModel(float[] weight, float[] bias)
{
    /// <summary>Weights, [classes, features] row-major (the layout ClassifierHead.Append takes).</summary>
    public float[] Weight { get; } = weight;

    /// <summary>Bias per class.</summary>
    public float[] Bias { get; } = bias;

    /// <summary>Number of classes.</summary>
    public int Classes => Bias.Length;

    /// <summary>Number of input features.</summary>
    public int Features => Weight.Length / Bias.Length;

    /// <summary>The logits of one feature vector.</summary>
    public float[] Logits(ReadOnlySpan<float> features)
    {
        var logits = new float[Classes];
        for (var k = 0; k < Classes; k++)
        {
            double sum = Bias[k];
            var row = Weight.AsSpan(k * Features, Features);
            for (var j = 0; j < Features; j++)
            {
                sum += (double)row[j] * features[j];
            }

            logits[k] = (float)sum;
        }

        return logits;
    }

    /// <summary>The arg-max class of each feature vector.</summary>
    public int[] Predict(IReadOnlyList<float[]> features) => features.Select(f => TensorPrimitives.IndexOfMax(Logits(f))).ToArray();

    /// <summary>Mean cross-entropy of the model on labelled features.</summary>
    public double CrossEntropy(IReadOnlyList<float[]> features, IReadOnlyList<int> labels)
    {
        var total = 0.0;
        for (var i = 0; i < features.Count; i++)
        {
            var logits = Logits(features[i]);
            var max = logits.Max();
            var logSum = Math.Log(logits.Sum(l => Math.Exp(l - max))) + max;
            total += logSum - logits[labels[i]];
        }

        return features.Count == 0 ? 0 : total / features.Count;
    }
}
