// Reference BERT tokenization for the tokenizer parity test: Hugging Face tokenizers as transformers.js runs them from a
// local tokenizer.json, offline.
//
//   node reference-tokenizer.mjs <model-folder> <texts.jsonl> <ids.jsonl>
//     <model-folder> holds tokenizer.json, tokenizer_config.json and config.json. Each input line is one JSON string;
//     each output line is the JSON array of its token ids ([CLS] … [SEP], no truncation), in input order.
//
//   node reference-tokenizer.mjs --accent-table
//     Prints the C# data of src/Serverless.Inference/Tokenization/AccentStrippingData.cs: what NFD followed by removing
//     non-spacing marks (BertNormalizer's strip_accents) leaves of each code point, as this JavaScript engine computes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const BATCH = 32;

async function loadTokenizer(folder) {
    const { env, AutoTokenizer } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = path.dirname(path.resolve(folder)) + path.sep;
    return AutoTokenizer.from_pretrained(path.basename(path.resolve(folder)));
}

// Worker: tokenizes batches of texts and sends back their id arrays as JSONL.
async function serveBatches(folder) {
    const tokenizer = await loadTokenizer(folder);
    parentPort.on('message', ({ index, texts }) => {
        parentPort.postMessage({ index, lines: texts.map((text) => JSON.stringify(tokenizer.encode(text))).join('\n') + '\n' });
    });
    parentPort.postMessage({ ready: true });
}

// Main thread: streams the input in batches to one worker per core and writes the results in input order.
async function tokenize(folder, inputPath, outputPath) {
    const started = process.hrtime.bigint();
    const threads = Math.max(1, Math.min(os.availableParallelism(), 8));
    const workers = await Promise.all(Array.from({ length: threads }, async () => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { folder } });
        worker.on('error', (error) => { process.stderr.write(`${error.stack ?? error}\n`); process.exit(1); });
        const [message] = await once(worker, 'message');
        if (!message.ready) throw new Error('worker did not start');
        return worker;
    }));

    const output = fs.createWriteStream(outputPath, { encoding: 'utf8' });
    const done = new Map();
    let nextToWrite = 0;
    let inFlight = 0;
    let wake = null;
    for (const worker of workers) {
        worker.on('message', ({ index, lines }) => {
            done.set(index, lines);
            inFlight--;
            while (done.has(nextToWrite)) {
                output.write(done.get(nextToWrite));
                done.delete(nextToWrite++);
            }
            wake?.();
        });
    }

    const input = readline.createInterface({ input: fs.createReadStream(inputPath, { encoding: 'utf8' }), crlfDelay: Infinity });
    let batch = [];
    let batches = 0;
    let count = 0;
    const send = async () => {
        // Bounded read-ahead keeps memory flat on any input size.
        while (inFlight >= 4 * threads) await new Promise((resolve) => { wake = resolve; });
        inFlight++;
        workers[batches % threads].postMessage({ index: batches++, texts: batch });
        batch = [];
    };
    for await (const line of input) {
        if (line.length === 0) continue;
        const text = JSON.parse(line);
        if (typeof text !== 'string') throw new Error(`line ${count + 1} is not a JSON string`);
        batch.push(text);
        count++;
        if (batch.length === BATCH) await send();
    }
    if (batch.length > 0) await send();
    while (inFlight > 0) await new Promise((resolve) => { wake = resolve; });
    output.end();
    await once(output, 'finish');
    await Promise.all(workers.map((worker) => worker.terminate()));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(`tokenized ${count} texts in ${seconds.toFixed(2)} s on ${threads} threads\n`);
}

function accentTable() {
    const hex = (cp) => '0x' + cp.toString(16).toUpperCase().padStart(4, '0');
    const marks = [];
    const decompositions = [];
    for (let cp = 0x80; cp <= 0x10FFFF; cp++) {
        // Surrogates never reach stripping; Hangul syllables decompose by formula.
        if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xAC00 && cp <= 0xD7A3)) continue;
        const original = String.fromCodePoint(cp);
        const stripped = original.normalize('NFD').replace(/\p{Mn}/gu, '');
        if (stripped === original) continue;
        if (stripped === '') {
            const last = marks.at(-1);
            if (last && last[1] === cp - 1) last[1] = cp; else marks.push([cp, cp]);
        } else {
            const points = [...stripped].map((c) => c.codePointAt(0));
            decompositions.push([cp, points.length, ...points]);
        }
    }
    const lines = (rows, perLine) => {
        const out = [];
        for (let i = 0; i < rows.length; i += perLine) out.push('        ' + rows.slice(i, i + perLine).map((r) => r.map(hex).join(', ')).join(', ') + ',');
        return out.join('\n');
    };
    process.stdout.write(`// <auto-generated>
// Generated by: node tools/node/reference-tokenizer.mjs --accent-table (Node ${process.versions.node}, Unicode ${process.versions.unicode}).
// </auto-generated>
namespace Serverless.Inference.Tokenization;

internal static partial class AccentStripping
{
    /// <summary>Inclusive ranges of code points that stripping removes: the non-spacing marks (Mn) and what decomposes only to them.</summary>
    private static ReadOnlySpan<int> RemovedRanges =>
    [
${lines(marks, 6)}
    ];

    /// <summary>Code points that stripping replaces: code point, count, then what remains of its canonical decomposition.</summary>
    private static ReadOnlySpan<int> Replacements =>
    [
${lines(decompositions, 4)}
    ];
}
`);
}

const args = process.argv.slice(2);
if (!isMainThread) {
    await serveBatches(workerData.folder);
} else if (args.length === 1 && args[0] === '--accent-table') {
    accentTable();
} else if (args.length === 3) {
    await tokenize(args[0], args[1], args[2]);
} else {
    process.stderr.write('usage: node reference-tokenizer.mjs <model-folder> <texts.jsonl> <ids.jsonl> | --accent-table\n');
    process.exit(2);
}
