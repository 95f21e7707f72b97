import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JsonLineChild } from './JsonLineChild.js';

/** Where the PyTorch peer's worker script lives. */
export const TORCH_SCRIPT = fileURLToPath(new URL('../python/torch_bench.py', import.meta.url));

/** A raw little-endian array file the worker reads with numpy.fromfile. */
export interface ArrayFile {
  file: string;
  dtype: 'float32' | 'int32' | 'int64';
  shape: number[];
}

export interface TorchRequest {
  workload: string;
  threads: number;
  reps: number;
  maxSeconds: number;
  /** Past `reps`, repeat until this many ms are timed (at most 5 × reps). */
  minMs?: number;
  arrays: Record<string, ArrayFile>;
  options?: Record<string, unknown>;
  /** For `*Grad` workloads: the inputs to differentiate (default `["input"]`), as losskit's. */
  gradInputs?: string[];
}

export type TorchAnswer =
  | { ok: true; times_ms: number[]; cpu_ms?: number[]; value: number }
  | { ok: false; error: string };

/**
 * The PyTorch peer: one long-lived `python3 tools/bench/python/torch_bench.py` process, one JSON
 * request per line on its stdin, one JSON answer per line on its stdout.
 */
export class TorchPeer {
  /** `torch.__version__` as the worker reports it. */
  version = '?';
  private readonly worker: JsonLineChild;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.worker = new JsonLineChild(child);
  }

  /** Starts the worker and checks `import torch`; returns why not when it cannot. */
  static async start(python: string): Promise<TorchPeer | { skipped: string }> {
    const child = spawn(python, ['-u', TORCH_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const failed = new Promise<string>((resolve) => {
      child.once('error', (e) => resolve(`cannot start ${python}: ${e.message}`));
      child.once('exit', (code) => resolve(`${python} exited with code ${code}`));
    });
    const peer = new TorchPeer(child);
    const answer = await Promise.race([peer.worker.ask({ op: 'probe' }), failed]);
    if (typeof answer === 'string') {
      const err = peer.worker.stderr.trim();
      return { skipped: `${answer}${err ? `: ${err}` : ''}` };
    }
    const a = answer as { ok: boolean; torch?: string; error?: string };
    if (!a.ok) {
      peer.close();
      return { skipped: `\`import torch\` fails under ${python} (${a.error})` };
    }
    peer.version = a.torch ?? '?';
    return peer;
  }

  /** Runs one workload with `threads` intra-op threads. */
  async run(req: TorchRequest): Promise<TorchAnswer> {
    if (this.worker.gone) {
      return { ok: false, error: `worker exited (${this.worker.stderr.trim()})` };
    }
    const exited = this.worker.exited.then((error) => ({ ok: false, error }) as const);
    return (await Promise.race([this.worker.ask({ op: 'run', ...req }), exited])) as TorchAnswer;
  }

  close(): void {
    this.worker.close();
  }
}

/** `apt-get install -y python3-torch` when running as root (for `--install-peers`). */
export function installTorch(): string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'not root: install it with `sudo apt-get install python3-torch`';
  }
  const r = spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'inherit' });
  return r.status === 0 ? 'installed python3-torch' : `apt-get exited with ${r.status}`;
}
