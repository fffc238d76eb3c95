using System.Numerics.Tensors;

namespace Serverless.Training.HeadOnly;

/// <summary>
/// Multinomial logistic regression (softmax cross-entropy + L2) fitted by full-batch Adam on standardized features, then
/// folded back to the original feature space. Deterministic: the same data and options always give the same weights.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Fits the model.</summary>
    /// <param name="features">Feature vectors, all the same length.</param>
    /// <param name="labels">Class index of each vector.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="options">Penalty, epochs, step size, class weights.</param>
    /// <param name="onEpoch">Called after each epoch with (epoch from 1, training loss, current model).</param>
    /// <param name="cancellationToken">Stops between epochs.</param>
    public static LogisticRegressionModel Fit(
        IReadOnlyList<float[]> features,
        IReadOnlyList<int> labels,
        int classes,
        LogisticRegressionOptions options,
        Action<int, double, Func<LogisticRegressionModel>>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        if (features.Count == 0 || features.Count != labels.Count)
        {
            throw new ArgumentException("Features and labels must be non-empty and of equal length.", nameof(labels));
        }

        var n = features.Count;
        var d = features[0].Length;
        var (z, mean, scale) = Standardize(features, d);
        var sampleWeights = labels.Select(y => options.ClassWeights?[y] ?? 1.0).ToArray();
        var weightSum = sampleWeights.Sum();

        var w = new double[classes * d];
        var b = new double[classes];
        var gradW = new double[w.Length];
        var gradB = new double[classes];
        var adamW = new Adam(w.Length);
        var adamB = new Adam(classes);
        var logits = new double[classes];

        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(gradW);
            Array.Clear(gradB);
            var loss = 0.0;
            for (var i = 0; i < n; i++)
            {
                var x = z.AsSpan(i * d, d);
                for (var k = 0; k < classes; k++)
                {
                    logits[k] = b[k] + TensorPrimitives.Dot(w.AsSpan(k * d, d), x);
                }

                // Probabilities, after subtracting the largest logit so no exponent overflows.
                TensorPrimitives.Subtract(logits, TensorPrimitives.Max<double>(logits), logits);
                TensorPrimitives.SoftMax<double>(logits, logits);
                var sampleWeight = sampleWeights[i] / weightSum;
                loss -= sampleWeight * Math.Log(Math.Max(logits[labels[i]], 1e-300));
                for (var k = 0; k < classes; k++)
                {
                    var delta = sampleWeight * (logits[k] - (k == labels[i] ? 1 : 0));
                    gradB[k] += delta;
                    var gradient = gradW.AsSpan(k * d, d);
                    TensorPrimitives.MultiplyAdd(x, delta, gradient, gradient);
                }
            }

            var penalty = 0.0;
            for (var j = 0; j < w.Length; j++)
            {
                penalty += w[j] * w[j];
                gradW[j] += options.L2 * w[j];
            }

            loss += options.L2 / 2 * penalty;
            var stepSize = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs));
            adamW.Step(w, gradW, stepSize, epoch);
            adamB.Step(b, gradB, stepSize, epoch);
            onEpoch?.Invoke(epoch, loss, () => Fold(w, b, mean, scale, classes, d));
        }

        return Fold(w, b, mean, scale, classes, d);
    }

    // z = (x - mean) / scale; a constant feature gets scale 1.
    private static (double[] Z, double[] Mean, double[] Scale) Standardize(IReadOnlyList<float[]> features, int d)
    {
        var n = features.Count;
        var mean = new double[d];
        var scale = new double[d];
        foreach (var row in features)
        {
            if (row.Length != d)
            {
                throw new ArgumentException($"Every feature vector must have {d} values.", nameof(features));
            }

            for (var j = 0; j < d; j++)
            {
                mean[j] += row[j];
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }

        foreach (var row in features)
        {
            for (var j = 0; j < d; j++)
            {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }

        for (var j = 0; j < d; j++)
        {
            var std = Math.Sqrt(scale[j] / n);
            scale[j] = std > 1e-8 ? std : 1;
        }

        var z = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                z[(i * d) + j] = (features[i][j] - mean[j]) / scale[j];
            }
        }

        return (z, mean, scale);
    }

    // W·((x - mean) / scale) + b == (W / scale)·x + (b - Σ W·mean / scale).
    private static LogisticRegressionModel Fold(double[] w, double[] b, double[] mean, double[] scale, int classes, int d)
    {
        var weight = new float[classes * d];
        var bias = new float[classes];
        for (var k = 0; k < classes; k++)
        {
            var shift = b[k];
            for (var j = 0; j < d; j++)
            {
                var folded = w[(k * d) + j] / scale[j];
                weight[(k * d) + j] = (float)folded;
                shift -= folded * mean[j];
            }

            bias[k] = (float)shift;
        }

        return new LogisticRegressionModel(weight, bias);
    }

    private sealed class Adam(int size)
    {
        private const double Beta1 = 0.9;
        private const double Beta2 = 0.999;
        private const double Epsilon = 1e-8;
        private readonly double[] _m = new double[size];
        private readonly double[] _v = new double[size];

        public void Step(double[] parameters, double[] gradient, double stepSize, int t)
        {
            var correction1 = 1 - Math.Pow(Beta1, t);
            var correction2 = 1 - Math.Pow(Beta2, t);
            for (var j = 0; j < parameters.Length; j++)
            {
                _m[j] = (Beta1 * _m[j]) + ((1 - Beta1) * gradient[j]);
                _v[j] = (Beta2 * _v[j]) + ((1 - Beta2) * gradient[j] * gradient[j]);
                parameters[j] -= stepSize * (_m[j] / correction1) / (Math.Sqrt(_v[j] / correction2) + Epsilon);
            }
        }
    }
}
