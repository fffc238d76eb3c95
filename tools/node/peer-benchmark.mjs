// transformers.js as the peer of the engine benchmark: its text-classification pipeline on a local model package,
// offline, in the same batches and threads the benchmark gives ONNX Runtime from C#.
//
//   node peer-benchmark.mjs <model-folder> <texts.jsonl> <latency-texts.jsonl> <batch> <threads> [dtype]
//     <model-folder> holds config.json (id2label), tokenizer.json, tokenizer_config.json (model_max_length is where
//     texts are cut) and onnx/model.onnx. Each input line is one JSON string. Texts run in batches of <batch> in input
//     order; the latency texts run one at a time. [dtype] is fp32 (the default, onnx/model.onnx) or q8
//     (onnx/model_quantized.onnx). Prints one JSON object on stdout:
//     { texts, seconds, padding, latencyMilliseconds: [...], labels: [...] } — labels in input order.
import fs from 'node:fs';
import path from 'node:path';
import { env, pipeline } from '@huggingface/transformers';

const args = process.argv.slice(2);
if (args.length !== 5 && args.length !== 6) {
    process.stderr.write('usage: node peer-benchmark.mjs <model-folder> <texts.jsonl> <latency-texts.jsonl> <batch> <threads> [dtype]\n');
    process.exit(2);
}
const [folder, textsPath, latencyPath] = args;
const batch = Number.parseInt(args[3], 10);
const threads = Number.parseInt(args[4], 10);
const dtype = args[5] ?? 'fp32';

const readTexts = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
const texts = readTexts(textsPath);
const latencyTexts = readTexts(latencyPath);
const batches = Array.from({ length: Math.ceil(texts.length / batch) }, (_, i) => texts.slice(i * batch, (i + 1) * batch));

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(path.resolve(folder)) + path.sep;
const classify = await pipeline('text-classification', path.basename(path.resolve(folder)), {
    dtype,
    session_options: { intraOpNumThreads: threads },
});
await classify(['warm up']);

const labels = [];
const started = process.hrtime.bigint();
for (const chunk of batches) {
    labels.push(...(await classify(chunk)).map((result) => result.label));
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

const latencyMilliseconds = [];
for (const text of latencyTexts) {
    const start = process.hrtime.bigint();
    await classify(text);
    latencyMilliseconds.push(Number(process.hrtime.bigint() - start) / 1e6);
}

// The pipeline pads each batch to its longest text; the same tokenizer call, outside the timing, shows how much.
let real = 0;
let padded = 0;
for (const chunk of batches) {
    const { attention_mask: mask } = classify.tokenizer(chunk, { padding: true, truncation: true });
    real += mask.tolist().flat().reduce((sum, value) => sum + Number(value), 0);
    padded += mask.dims[0] * mask.dims[1];
}

process.stdout.write(JSON.stringify({ texts: texts.length, seconds, padding: 1 - (real / padded), latencyMilliseconds, labels }) + '\n');
