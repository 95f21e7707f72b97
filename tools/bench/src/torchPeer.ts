import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Where the PyTorch peer's worker script lives. */
export const TORCH_SCRIPT = fileURLToPath(new URL('../python/torch_bench.py', import.meta.url));

/** A raw little-endian array file the worker reads with numpy.fromfile. */
export interface ArrayFile {
  file: string;
  dtype: 'float32' | 'int32';
  shape: number[];
}

export interface TorchRequest {
  workload: string;
  threads: number;
  reps: number;
  maxSeconds: number;
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
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  /** Settles when the worker exits, with an answer saying so. */
  private readonly exited: Promise<TorchAnswer>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) =>
        resolve({ ok: false, error: `worker exited with ${code}: ${this.stderr.trim()}` }),
      ),
    );
    createInterface({ input: child.stdout }).on('line', (l) => this.waiting.shift()?.(l));
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
  }

  /** Starts the worker and checks `import torch`; returns why not when it cannot. */
  static async start(python: string): Promise<TorchPeer | { skipped: string }> {
    const child = spawn(python, ['-u', TORCH_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const failed = new Promise<string>((resolve) => {
      child.once('error', (e) => resolve(`cannot start ${python}: ${e.message}`));
      child.once('exit', (code) => resolve(`${python} exited with code ${code}`));
    });
    child.stdin.on('error', () => {});
    const peer = new TorchPeer(child);
    const answer = await Promise.race([peer.ask({ op: 'probe' }), failed]);
    if (typeof answer === 'string') {
      return { skipped: `${answer}${peer.stderr ? `: ${peer.stderr.trim()}` : ''}` };
    }
    const a = answer as { ok: boolean; torch?: string; error?: string };
    if (!a.ok) {
      peer.close();
      return { skipped: `\`import torch\` fails under ${python} (${a.error})` };
    }
    peer.version = a.torch ?? '?';
    return peer;
  }

  private ask(req: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        try {
          resolve(JSON.parse(line));
        } catch (e) {
          reject(e);
        }
      });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Runs one workload with `threads` intra-op threads. */
  async run(req: TorchRequest): Promise<TorchAnswer> {
    if (this.child.exitCode !== null) {
      return { ok: false, error: `worker exited (${this.stderr.trim()})` };
    }
    return (await Promise.race([this.ask({ op: 'run', ...req }), this.exited])) as TorchAnswer;
  }

  close(): void {
    this.child.stdin.end();
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
