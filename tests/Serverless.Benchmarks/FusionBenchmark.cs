using System.Diagnostics;
using System.Globalization;

using Microsoft.ML.OnnxRuntime;

using Onnx;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;

namespace Serverless.Benchmarks;

/// <summary>
/// What ONNX Runtime fuses in each graph of the same weights, and what it costs: every graph is optimized as the engine
/// loads it (all levels), the optimized model is read back and its contrib operators counted, and the graphs run on the
/// same batches — in arrival order and sorted by length — alternating batch by batch so all see the same load. Each row's
/// ratio and logit difference are against its reference graph (the unfused graph of its variant).
/// </summary>
internal static class FusionBenchmark
{
    public sealed record Graph(string Name, string Path, int Reference);

    public static void Run(IReadOnlyList<Graph> graphs, IReadOnlyList<string> reviews, BertTextTokenizer tokenizer,
        int batchTexts, int threads, int maxLength, string work)
    {
        var sessions = new List<InferenceSession>();
        var fused = new List<string>();
        try
        {
            foreach (var graph in graphs)
            {
                var optimized = Path.Combine(work, $"optimized-{sessions.Count}.onnx");
                using var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    OptimizedModelFilePath = optimized,
                };
                OnnxModelSession.ConfigureThreads(options, threads);
                sessions.Add(new InferenceSession(graph.Path, options));
                var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized));
                var contrib = model.Graph.Node.Where(n => n.Domain == OnnxGraphBuilder.MicrosoftDomain && n.OpType != DynamicInt8Quantizer.QuantizedMatMul)
                    .GroupBy(n => n.OpType).Select(g => $"{g.Key} ×{g.Count()}").DefaultIfEmpty("none");
                fused.Add($"{model.Graph.Node.Count} nodes; {string.Join(", ", contrib)}");
                File.Delete(optimized);
            }

            var tokenized = reviews.Select(r => tokenizer.Tokenize(r, maxLength)).ToArray();
            var orders = new[] { tokenized, tokenized.OrderBy(t => t.Length).ToArray() };
            var seconds = new double[orders.Length, sessions.Count];
            var difference = new double[sessions.Count];
            for (var o = 0; o < orders.Length; o++)
            {
                var batches = orders[o].Chunk(batchTexts).Select(b => BatchEncoder.Pad(b, tokenizer.PadId)).ToArray();
                sessions.ForEach(s => EngineBenchmark.RunRaw(s, batches[0]));
                foreach (var batch in batches)
                {
                    var logits = new float[sessions.Count][];
                    for (var i = 0; i < sessions.Count; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        logits[i] = EngineBenchmark.RunRaw(sessions[i], batch);
                        seconds[o, i] += Stopwatch.GetElapsedTime(started).TotalSeconds;
                    }

                    for (var i = 0; i < sessions.Count; i++)
                    {
                        var reference = logits[graphs[i].Reference];
                        difference[i] = Math.Max(difference[i], logits[i].Zip(reference, (a, r) => (double)Math.Abs(a - r)).Max());
                    }
                }
            }

            Console.WriteLine("| graph | after ONNX Runtime's optimization (contrib ops) | arrival order texts/s | sorted texts/s | sorted × reference | max abs logit diff vs reference |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            for (var i = 0; i < sessions.Count; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {graphs[i].Name} | {fused[i]} | {reviews.Count / seconds[0, i]:F1} | {reviews.Count / seconds[1, i]:F1} | {seconds[1, graphs[i].Reference] / seconds[1, i]:F2}× | {difference[i]:0.#e0} |"));
            }
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }
}
