import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LosskitPeer, type LosskitRequest } from './losskitPeer.js';
import { measure, summarize, type Timing } from './measure.js';
import { NativeLoop } from './nativeLoop.js';
import { Rng } from './rng.js';
import { streamWorkloads } from './streamWorkloads.js';
import { loadTfjs, type Tf, type TfjsBackend } from './tfjsPeer.js';
import { type ArrayFile, installTorch, TorchPeer } from './torchPeer.js';
import { type Inputs, inputBytes, matchesOnly, type Workload, workloads } from './workloads.js';

export const PEERS = ['pytorch-1t', 'pytorch-2t', 'tfjs-cpu', 'tfjs-wasm'] as const;
export type PeerName = (typeof PEERS)[number];

/** One row of the results (the JSON's `results[]`). */
export interface Result {
  workload: string;
  /** Median of losskit's repetitions, ms. */
  losskit_ms: number;
  /** Medians of the peers that ran, ms; skipped peers and peers without the loss are absent. */
  peers: Partial<Record<PeerName, number>>;
  /** (max − min) / median of losskit's repetitions. */
  losskit_spread: number;
  /** Repetitions timed for losskit. */
  losskit_reps: number;
  /**
   * Median process CPU time per call, ms (losskit and the peers). For single-threaded runs it is
   * insensitive to other load on the machine; for pytorch-2t it sums both threads.
   */
  cpu_ms?: Partial<Record<'losskit' | PeerName, number>>;
  /**
   * Fastest and slowest repetition (wall ms) of losskit and of each peer: the targets check says
   * whether a ratio clears its threshold even when one side's slowest repetition meets the
   * other's fastest.
   */
  range_ms?: Partial<Record<'losskit' | PeerName, [number, number]>>;
  /** Spread and repetitions of each peer. */
  peer_spread: Partial<Record<PeerName, number>>;
  peer_reps: Partial<Record<PeerName, number>>;
  /** Input bytes read per second (GB/s), for memory-bound kernels. */
  gb_per_s?: number;
  /**
   * mse and l1: median ms of a compiled SIMD loop reading the same arrays in this run
   * (native/memLoop.c, nativeLoop.ts), the bandwidth yardstick; absent without a C compiler.
   */
  native_ms?: number;
  /** Its repetitions. */
  native_reps?: number;
  /**
   * Gradients: median ms when each call allocates its results (no `out`), as a call that passes
   * no buffers does; `losskit_ms` is with preallocated `out` buffers. Not a target of issue 6:
   * shown because the system's zero-filling of fresh pages can cost more than the gradient.
   */
  losskit_fresh_ms?: number;
  /** Its repetitions. */
  losskit_fresh_reps?: number;
  /** The loss (or first gradient entry) from losskit and PyTorch: same data, same answer. */
  check?: { losskit: number; pytorch?: number };
  /** Stream rows: the bare-kernel baseline time, rows/s, memory samples. */
  baseline_ms?: number;
  baseline?: string;
  rows_per_s?: number;
  memory?: {
    rss_start_mb: number;
    rss_peak_mb: number;
    rss_end_mb: number;
    heap_max_mb: number;
    heap_end_mb: number;
    samples: number;
    rss_by_tenth_mb: number[];
    heap_by_tenth_mb: number[];
  };
  /** Why a peer failed on this workload (it is then absent from `peers`). */
  peer_errors?: Partial<Record<PeerName, string>>;
}

export interface Unavailable {
  workload: string;
  reason: string;
}

export interface BenchOptions {
  quick: boolean;
  reps: number;
  only?: string;
  python: string;
  installPeers: boolean;
  /** Per peer and workload: stop repeating once this much time is spent (ms). */
  budgetMs: number;
  /**
   * Per peer and workload: past `reps`, keep repeating until the timed repetitions add up to
   * this many ms (at most 5 × reps), so fast calls get more samples (measure.ts's wantsMore).
   */
  minMs: number;
  /** Run only these peers (default all). */
  peers?: readonly PeerName[];
  /** A scratch folder for the data files (set by runBench). */
  tmpDir: string;
  log: (line: string) => void;
}

export interface BenchReport {
  results: Result[];
  unavailable: Unavailable[];
  skipped: string[];
  machine: Record<string, string>;
}

/** The inputs a kernel's gradient differentiates, in its KernelInfo order. */
async function gradInputs(kernel: string): Promise<string[]> {
  try {
    const { kernels } = await import('@losskit/core');
    return (kernels[kernel]?.inputs ?? []).filter((i) => i.differentiable).map((i) => i.name);
  } catch {
    return ['input'];
  }
}

function writeArrays(dir: string, inputs: Inputs): Record<string, ArrayFile> {
  const files: Record<string, ArrayFile> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const file = path.join(dir, `${k}.bin`);
    writeFileSync(file, new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
    const dtype =
      v.data instanceof Int32Array
        ? 'int32'
        : v.data instanceof BigInt64Array
          ? 'int64'
          : 'float32';
    files[k] = { file, dtype, shape: v.shape };
  }
  return files;
}

function runTfjs(
  tf: Tf,
  backend: TfjsBackend,
  w: Workload,
  inputs: Inputs,
  o: BenchOptions,
): Timing {
  const engine = tf.engine();
  engine.startScope();
  try {
    const call = w.tfjs!(tf, inputs);
    // Both backends compute synchronously; reading the scalar loss forces nothing more.
    const once = () =>
      tf.tidy(() => {
        const r = call();
        return r.size === 1 ? r.dataSync()[0] : 0;
      });
    return measure(once, o.reps, o.budgetMs, backend === 'wasm' ? 2 : 1, o.minMs);
  } finally {
    engine.endScope();
  }
}

/** [fastest, slowest] repetition of a timing, ms. */
function rangeOf(t: Timing): [number, number] {
  return [Math.min(...t.times), Math.max(...t.times)];
}

function fmtTiming(t: Timing): string {
  return `${t.median.toFixed(2)} ms ±${(50 * t.spread).toFixed(0)}% (${t.times.length} reps)`;
}

/** The native loop's mode for the mse and l1 rows (their forwards), else undefined. */
function nativeMode(w: Workload): 'sq' | 'abs' | undefined {
  if (w.grad || !w.memoryBound) return undefined;
  if (w.kernel === 'mse') return 'sq';
  return w.kernel === 'l1' ? 'abs' : undefined;
}

/** Runs the benchmark: every workload, every available peer, one after the other. */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const skipped: string[] = [];
  const machine: Record<string, string> = {};
  let torch = await TorchPeer.start(o.python);
  if (!(torch instanceof TorchPeer) && o.installPeers) {
    o.log(`pytorch: ${torch.skipped}; --install-peers: ${installTorch()}`);
    torch = await TorchPeer.start(o.python);
  }
  if (torch instanceof TorchPeer) machine.torch = torch.version;
  else skipped.push(`pytorch-1t, pytorch-2t skipped: ${torch.skipped}`);
  let tfjs: Awaited<ReturnType<typeof loadTfjs>> | null = null;
  try {
    tfjs = await loadTfjs();
    skipped.push(...tfjs.skipped.map((s) => `${s} (skipped)`));
    machine.tfjs = tfjs.tf.version_core;
  } catch (e) {
    skipped.push(`tfjs-cpu, tfjs-wasm skipped: ${(e as Error).message}`);
  }
  // the bandwidth yardstick, compiled once (not in /dev/shm, which may forbid running programs),
  // and only when a row that uses it (mse, l1) runs
  const binDir = mkdtempSync(path.join(tmpdir(), 'losskit-bench-bin-'));
  const selected = workloads(o.quick).filter((w) => matchesOnly(w.name, o.only));
  const needsNative = selected.some((w) => nativeMode(w) !== undefined);
  const native = needsNative
    ? NativeLoop.compile(binDir)
    : { skipped: 'no mse or l1 row in this run' };
  if (native instanceof NativeLoop) machine.cc = native.compiler;
  else skipped.push(`native SIMD loop skipped: ${native.skipped}`);
  for (const s of skipped) o.log(s);

  const results: Result[] = [];
  const unavailable: Unavailable[] = [];
  // The data files go to memory (/dev/shm where there is one), so that no disk write-back of a
  // workload's 40–200 MB overlaps the timings that follow.
  const tmp = mkdtempSync(
    path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'losskit-bench-'),
  );
  const losskit = new LosskitPeer();
  try {
    for (const w of selected) {
      const inputs = w.make(new Rng(0x10557));
      const arrays = writeArrays(tmp, inputs);
      const req: LosskitRequest = {
        kernel: w.kernel,
        grad: w.grad,
        options: w.options,
        arrays,
        reps: o.reps,
        budgetMs: o.budgetMs,
        warmups: 2,
        minMs: o.minMs,
      };
      const ran = await losskit.run(req);
      if (typeof ran === 'string') {
        o.log(`${w.name}: unavailable (${ran})`);
        unavailable.push({ workload: w.name, reason: ran });
        continue;
      }
      const lk = ran.timing;
      o.log(`${w.name}: losskit ${fmtTiming(lk)}`);
      const r: Result = {
        workload: w.name,
        losskit_ms: lk.median,
        peers: {},
        losskit_spread: lk.spread,
        losskit_reps: lk.times.length,
        peer_spread: {},
        peer_reps: {},
        check: { losskit: ran.check },
        cpu_ms: { losskit: lk.cpuMedian },
        range_ms: { losskit: rangeOf(lk) },
      };
      if (w.memoryBound) r.gb_per_s = inputBytes(inputs) / lk.median / 1e6;
      if (w.grad) {
        const f = await losskit.run({ ...req, warmups: 1, freshResult: true });
        if (typeof f === 'string')
          o.log(`${w.name}: losskit, fresh result per call, failed (${f})`);
        else if (!f.fresh)
          o.log(`${w.name}: losskit, fresh result per call: the call used \`out\``);
        else {
          r.losskit_fresh_ms = f.timing.median;
          r.losskit_fresh_reps = f.timing.times.length;
          o.log(`${w.name}: losskit, fresh result per call, ${fmtTiming(f.timing)}`);
        }
      }
      const mode = nativeMode(w);
      if (native instanceof NativeLoop && mode !== undefined) {
        const a = native.run(mode, arrays.input.file, arrays.target.file, o);
        if (typeof a === 'string') o.log(`${w.name}: native SIMD loop failed (${a})`);
        else {
          r.native_ms = a.timing.median;
          r.native_reps = a.timing.times.length;
          o.log(`${w.name}: native SIMD loop ${fmtTiming(a.timing)}`);
        }
      }
      const record = (peer: PeerName, t: Timing) => {
        r.peers[peer] = t.median;
        r.peer_spread[peer] = t.spread;
        r.peer_reps[peer] = t.times.length;
        r.range_ms = { ...r.range_ms, [peer]: rangeOf(t) };
        if (t.cpuMedian !== undefined) r.cpu_ms = { ...r.cpu_ms, [peer]: t.cpuMedian };
        o.log(`${w.name}: ${peer} ${fmtTiming(t)}`);
      };
      const fail = (peer: PeerName, why: string) => {
        r.peer_errors = { ...r.peer_errors, [peer]: why };
        o.log(`${w.name}: ${peer} failed (${why})`);
      };
      if (tfjs !== null && w.tfjs !== undefined) {
        for (const b of tfjs.backends) {
          const peer = `tfjs-${b}` as const;
          if (o.peers !== undefined && !o.peers.includes(peer)) continue;
          try {
            await tfjs.tf.setBackend(b);
            record(peer, runTfjs(tfjs.tf, b, w, inputs, o));
          } catch (e) {
            fail(peer, (e as Error).message);
          }
        }
      }
      if (torch instanceof TorchPeer) {
        for (const threads of [1, 2] as const) {
          const peer = `pytorch-${threads}t` as const;
          if (o.peers !== undefined && !o.peers.includes(peer)) continue;
          const a = await torch.run({
            workload: w.grad ? `${w.kernel}Grad` : w.kernel,
            threads,
            reps: o.reps,
            maxSeconds: o.budgetMs / 1000,
            minMs: o.minMs,
            arrays,
            options: w.options,
            ...(w.grad ? { gradInputs: await gradInputs(w.kernel) } : {}),
          });
          if (a.ok) {
            record(peer, summarize(a.times_ms, a.cpu_ms));
            if (r.check !== undefined) r.check.pytorch = a.value;
          } else fail(peer, a.error);
        }
      }
      for (const f of Object.values(arrays)) rmSync(f.file, { force: true });
      results.push(r);
    }
    for (const s of await streamWorkloads({ ...o, tmpDir: tmp })) {
      if ('reason' in s) unavailable.push(s);
      else results.push(s);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(binDir, { recursive: true, force: true });
    losskit.close();
    if (torch instanceof TorchPeer) torch.close();
  }
  return { results, unavailable, skipped, machine };
}
