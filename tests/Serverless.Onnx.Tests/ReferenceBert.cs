using Serverless.Packages;

namespace Serverless.Onnx.Tests;

/// <summary>
/// A straightforward BERT forward pass in doubles, one sequence at a time over its attended tokens only: the definition the
/// ONNX graphs are checked against.
/// </summary>
internal static class ReferenceBert
{
    /// <summary>[tokens, hidden] for one unpadded sequence.</summary>
    public static double[][] Encode(ModelConfig config, BertWeights w, long[] ids, long[]? tokenTypes = null)
    {
        var hidden = config.HiddenSize;
        var x = new double[ids.Length][];
        for (var t = 0; t < ids.Length; t++)
        {
            x[t] = new double[hidden];
            for (var h = 0; h < hidden; h++)
            {
                x[t][h] = Row(w["embeddings.word_embeddings.weight"], ids[t])[h]
                    + Row(w["embeddings.position_embeddings.weight"], t)[h]
                    + Row(w["embeddings.token_type_embeddings.weight"], tokenTypes?[t] ?? 0)[h];
            }
        }

        x = LayerNorm(x, w, "embeddings.LayerNorm", config.LayerNormEps);
        int heads = config.NumAttentionHeads, size = hidden / heads;
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string P(string suffix) => BertWeights.Layer(layer, suffix);
            var q = Linear(x, w, P("attention.self.query"));
            var k = Linear(x, w, P("attention.self.key"));
            var v = Linear(x, w, P("attention.self.value"));
            var context = new double[x.Length][];
            for (var t = 0; t < x.Length; t++)
            {
                context[t] = new double[hidden];
                for (var head = 0; head < heads; head++)
                {
                    var scores = new double[x.Length];
                    for (var s = 0; s < x.Length; s++)
                    {
                        for (var d = 0; d < size; d++)
                        {
                            scores[s] += q[t][head * size + d] * k[s][head * size + d];
                        }

                        scores[s] /= Math.Sqrt(size);
                    }

                    var max = scores.Max();
                    var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var sum = exp.Sum();
                    for (var s = 0; s < x.Length; s++)
                    {
                        for (var d = 0; d < size; d++)
                        {
                            context[t][head * size + d] += exp[s] / sum * v[s][head * size + d];
                        }
                    }
                }
            }

            x = LayerNorm(Add(Linear(context, w, P("attention.output.dense")), x), w, P("attention.output.LayerNorm"), config.LayerNormEps);
            var intermediate = Linear(x, w, P("intermediate.dense"))
                .Select(r => r.Select(a => 0.5 * a * (1 + Erf(a / Math.Sqrt(2)))).ToArray()).ToArray();
            x = LayerNorm(Add(Linear(intermediate, w, P("output.dense")), x), w, P("output.LayerNorm"), config.LayerNormEps);
        }

        return x;
    }

    /// <summary>Logits of one sequence through pooling and classifier.</summary>
    public static double[] Classify(ModelConfig config, BertWeights w, long[] ids)
    {
        var x = Encode(config, w, ids);
        var pooled = config.Pooling == "mean"
            ? Enumerable.Range(0, config.HiddenSize).Select(h => x.Average(r => r[h])).ToArray()
            : x[0];
        return Linear([pooled], w, "classifier")[0];
    }

    public static double[][] Linear(double[][] x, BertWeights w, string prefix)
    {
        var (weight, shape) = w[prefix + ".weight"];
        var bias = w[prefix + ".bias"].Data;
        int outputs = shape[0], inputs = shape[1];
        return x.Select(r =>
        {
            var y = new double[outputs];
            for (var o = 0; o < outputs; o++)
            {
                var sum = (double)bias[o];
                for (var i = 0; i < inputs; i++)
                {
                    sum += r[i] * weight[o * inputs + i];
                }

                y[o] = sum;
            }

            return y;
        }).ToArray();
    }

    private static ReadOnlySpan<float> Row(WeightTensor table, long row) => table.Data.AsSpan((int)row * table.Shape[1], table.Shape[1]);

    private static double[][] Add(double[][] a, double[][] b) => a.Select((r, t) => r.Select((v, h) => v + b[t][h]).ToArray()).ToArray();

    private static double[][] LayerNorm(double[][] x, BertWeights w, string prefix, double eps)
    {
        var gamma = w[prefix + ".weight"].Data;
        var beta = w[prefix + ".bias"].Data;
        return x.Select(r =>
        {
            var mean = r.Average();
            var variance = r.Average(v => (v - mean) * (v - mean));
            return r.Select((v, h) => (v - mean) / Math.Sqrt(variance + eps) * gamma[h] + beta[h]).ToArray();
        }).ToArray();
    }

    /// <summary>erf to ~1e-15 via its Taylor series near 0 and the continued fraction of erfc further out.</summary>
    private static double Erf(double x)
    {
        var z = Math.Abs(x);
        double result;
        if (z < 3)
        {
            double sum = z, term = z;
            for (var n = 1; n < 100; n++)
            {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            var fraction = 0.0;
            for (var n = 60; n >= 1; n--)
            {
                fraction = n / 2.0 / (z + fraction);
            }

            result = 1 - Math.Exp(-z * z) / Math.Sqrt(Math.PI) / (z + fraction);
        }

        return x < 0 ? -result : result;
    }
}
