import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
} from 'apache-arrow';
import { from, lastValueFrom, type Observable, type OperatorFunction } from 'rxjs';
import { measureAsync } from './measure.js';
import { Rng } from './rng.js';
import type { BenchOptions, Result, Unavailable } from './runBench.js';
import { matchesOnly } from './workloads.js';

/** The part of `@losskit/stream` the benchmark uses, looked up at run time. */
interface StreamApi {
  runningLoss(spec: {
    loss: string;
    columns: Record<string, string>;
    window?: { rows?: number };
  }): OperatorFunction<RecordBatch, { value: number | null; rows: number }>;
  fromArrowIPC?(source: string): Observable<RecordBatch>;
}

type CoreApi = typeof import('@losskit/core');

const C = 10;
const SPEC = { loss: 'crossEntropy', columns: { input: 'logits', target: 'label' } };

/** A record batch of `label` (Int32) and `logits` (FixedSizeList<Float32>[C]). */
function makeBatch(logits: Float32Array, labels: Int32Array): RecordBatch {
  const n = labels.length;
  const listType = new FixedSizeList(C, new Field('item', new Float32(), false));
  const fields = [new Field('logits', listType, false), new Field('label', new Int32(), false)];
  const child = makeData({ type: new Float32(), length: n * C, nullCount: 0, data: logits });
  const logitsData = makeData({ type: listType, length: n, nullCount: 0, child });
  const labelData = makeData({ type: new Int32(), length: n, nullCount: 0, data: labels });
  const struct = makeData({
    type: new Struct(fields),
    length: n,
    nullCount: 0,
    children: [logitsData, labelData],
  });
  return new RecordBatch(new Schema(fields), struct);
}

function makeBatches(rows: number, batchRows: number, rng: Rng): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let r = 0; r < rows; r += batchRows) {
    const n = Math.min(batchRows, rows - r);
    out.push(makeBatch(rng.normal(n * C, 2), rng.labels(n, C)));
  }
  return out;
}

/** The floor any streaming consumer pays: the bare kernel on each batch's arrays, stats summed. */
function bareKernel(core: CoreApi, batches: Iterable<RecordBatch>): number {
  let sum = 0;
  let den = 0;
  for (const b of batches) {
    const logits = b.getChildAt(0)!.data[0].children[0].values as Float32Array;
    const labels = b.getChildAt(1)!.data[0].values as Int32Array;
    const r = core.crossEntropy({ data: logits, shape: [b.numRows, C] }, labels);
    sum += r.sumValue;
    den += r.sumDenominator;
  }
  return sum / den;
}

const MB = 1 / (1 << 20);
const run = promisify(execFile);

/** The maximum of each tenth of a series, rounded to MB. */
function tenths(a: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < 10; k++) {
    const part = a.slice(Math.floor((k * a.length) / 10), Math.floor(((k + 1) * a.length) / 10));
    if (part.length > 0) out.push(Math.round(Math.max(...part)));
  }
  return out;
}

/**
 * The stream workloads: `runningLoss` against the bare kernel over 64k-row batches; an Arrow IPC
 * stream file into a running cross-entropy (rows/s); memory over a 10M-row stream.
 */
export async function streamWorkloads(o: BenchOptions): Promise<(Result | Unavailable)[]> {
  const rows = o.quick ? 50_000 : 1_000_000;
  const batchRows = o.quick ? 8_192 : 65_536;
  const memRows = o.quick ? 200_000 : 10_000_000;
  const names = {
    overhead: `runningLoss crossEntropy ${rows}x${C} in ${batchRows}-row batches`,
    ingest: `Arrow IPC stream ${rows}x${C} -> running crossEntropy`,
    memory: `memory: ${memRows}-row stream -> running crossEntropy`,
  };
  const wanted = Object.values(names).filter((n) => matchesOnly(n, o.only));
  if (wanted.length === 0) return [];
  let api: StreamApi;
  let core: CoreApi;
  try {
    core = await import('@losskit/core');
    api = (await import('@losskit/stream')) as unknown as StreamApi;
  } catch (e) {
    return wanted.map((w) => ({ workload: w, reason: `@losskit/stream: ${(e as Error).message}` }));
  }
  if (typeof api.runningLoss !== 'function') {
    return wanted.map((w) => ({ workload: w, reason: '@losskit/stream has no runningLoss yet' }));
  }
  const out: (Result | Unavailable)[] = [];
  const base = (workload: string, ms: number, spread: number, reps: number): Result => ({
    workload,
    losskit_ms: ms,
    peers: {},
    losskit_spread: spread,
    losskit_reps: reps,
    peer_spread: {},
    peer_reps: {},
  });
  const batches = makeBatches(rows, batchRows, new Rng(0x57ea));
  const running = () => lastValueFrom(from(batches).pipe(api.runningLoss(SPEC)));

  if (wanted.includes(names.overhead)) {
    try {
      const check = await running();
      const bare = await measureAsync(async () => bareKernel(core, batches), o.reps, o.budgetMs, 2);
      const rl = await measureAsync(running, o.reps, o.budgetMs, 2);
      const r = base(names.overhead, rl.median, rl.spread, rl.times.length);
      r.baseline = 'bare kernel per batch';
      r.baseline_ms = bare.median;
      r.rows_per_s = rows / (rl.median / 1000);
      r.check = { losskit: Number(check.value) };
      o.log(`${names.overhead}: ${rl.median.toFixed(2)} ms vs bare ${bare.median.toFixed(2)} ms`);
      out.push(r);
    } catch (e) {
      out.push({ workload: names.overhead, reason: (e as Error).message });
    }
  }

  if (wanted.includes(names.ingest)) {
    if (typeof api.fromArrowIPC !== 'function') {
      out.push({ workload: names.ingest, reason: '@losskit/stream has no fromArrowIPC yet' });
    } else {
      const file = path.join(o.tmpDir, 'ingest.arrows');
      writeFileSync(file, RecordBatchStreamWriter.writeAll(batches).toUint8Array(true));
      try {
        const fromIpc = api.fromArrowIPC;
        const ingest = () => lastValueFrom(fromIpc(file).pipe(api.runningLoss(SPEC)));
        // The floor: apache-arrow's own reader over the same file, then the bare kernel.
        const floor = async () => {
          const { readFile } = await import('node:fs/promises');
          return bareKernel(core, RecordBatchReader.from(await readFile(file)));
        };
        const bare = await measureAsync(floor, o.reps, o.budgetMs, 1);
        const t = await measureAsync(ingest, o.reps, o.budgetMs, 1);
        const r = base(names.ingest, t.median, t.spread, t.times.length);
        r.baseline = 'apache-arrow reader + bare kernel';
        r.baseline_ms = bare.median;
        r.rows_per_s = rows / (t.median / 1000);
        r.check = { losskit: Number((await ingest()).value) };
        o.log(`${names.ingest}: ${(r.rows_per_s / 1e6).toFixed(2)} M rows/s`);
        out.push(r);
      } catch (e) {
        out.push({ workload: names.ingest, reason: (e as Error).message });
      }
    }
  }

  if (wanted.includes(names.memory)) {
    try {
      out.push(await memoryInChild(names.memory, memRows, batchRows));
    } catch (e) {
      out.push({ workload: names.memory, reason: (e as Error).message });
    }
  }
  return out;
}

/**
 * Runs {@link memoryRun} in a fresh Node process (`memoryChild.ts`), so the memory it reports
 * starts from a clean process, not one holding the kernels' gigabytes of test data.
 */
async function memoryInChild(
  workload: string,
  memRows: number,
  batchRows: number,
): Promise<Result> {
  const child = fileURLToPath(new URL('./memoryChild.ts', import.meta.url));
  const { stdout } = await run(
    process.execPath,
    [...process.execArgv, child, workload, String(memRows), String(batchRows)],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Result;
}

/**
 * Streams `memRows` rows through `runningLoss` (with a 100k-row window) in fresh batches (new
 * arrays for every batch, as a real reader makes them, so anything the operator kept would
 * grow the heap), sampling RSS and heap after every batch.
 */
export async function memoryRun(
  workload: string,
  memRows: number,
  batchRows: number,
): Promise<Result> {
  const api = (await import('@losskit/stream')) as unknown as StreamApi;
  const pool = makeBatches(batchRows * 4, batchRows, new Rng(0x3e3));
  const poolLogits = pool.map((b) => b.getChildAt(0)!.data[0].children[0].values as Float32Array);
  const poolLabels = pool.map((b) => b.getChildAt(1)!.data[0].values as Int32Array);
  function* fresh(): Generator<RecordBatch> {
    for (let r = 0, k = 0; r < memRows; r += batchRows, k++) {
      const n = Math.min(batchRows, memRows - r);
      const logits = new Float32Array(n * C);
      logits.set(poolLogits[k % 4].subarray(0, n * C));
      const labels = new Int32Array(n);
      labels.set(poolLabels[k % 4].subarray(0, n));
      yield makeBatch(logits, labels);
    }
  }
  const m0 = process.memoryUsage();
  let peak = m0.rss;
  let heapMax = m0.heapUsed;
  let samples = 0;
  const rss: number[] = [];
  const heap: number[] = [];
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    from(fresh())
      .pipe(api.runningLoss({ ...SPEC, window: { rows: 100_000 } }))
      .subscribe({
        next: () => {
          const m = process.memoryUsage();
          if (m.rss > peak) peak = m.rss;
          if (m.heapUsed > heapMax) heapMax = m.heapUsed;
          rss.push(m.rss * MB);
          heap.push(m.heapUsed * MB);
          samples++;
        },
        error: reject,
        complete: resolve,
      });
  });
  const ms = performance.now() - t0;
  const m1 = process.memoryUsage();
  const r: Result = {
    workload,
    losskit_ms: ms,
    peers: {},
    losskit_spread: 0,
    losskit_reps: 1,
    peer_spread: {},
    peer_reps: {},
  };
  r.rows_per_s = memRows / (ms / 1000);
  r.memory = {
    rss_start_mb: m0.rss * MB,
    rss_peak_mb: peak * MB,
    rss_end_mb: m1.rss * MB,
    heap_max_mb: heapMax * MB,
    heap_end_mb: m1.heapUsed * MB,
    samples,
    // Max of each tenth of the run: flat memory shows as flat rows of numbers.
    rss_by_tenth_mb: tenths(rss),
    heap_by_tenth_mb: tenths(heap),
  };
  return r;
}
