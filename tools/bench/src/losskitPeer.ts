import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JsonLineChild } from './JsonLineChild.js';
import { summarize, type Timing } from './measure.js';
import type { ArrayFile } from './torchPeer.js';

/** The worker script: plain JavaScript, run by plain `node` (see there for why). */
export const LOSSKIT_SCRIPT = fileURLToPath(new URL('./losskitChild.mjs', import.meta.url));

export interface LosskitRequest {
  kernel: string;
  grad: boolean;
  options: Record<string, unknown>;
  arrays: Record<string, ArrayFile>;
  reps: number;
  budgetMs: number;
  warmups: number;
  /** Keep timing past `reps` until this much is timed (at most 5 × reps): measure.ts's rule. */
  minMs?: number;
  /**
   * Gradients: call without `out`, so each call allocates its results (a `Float64Array` per
   * input) as a call that passes none does; by default they go into preallocated `out` buffers.
   */
  freshResult?: boolean;
}

/**
 * losskit timed in a process of its own: one long-lived `node losskitChild.mjs` running the
 * built `@losskit/core` with no loader and nothing else in it, so that no ArrayBuffer is ever
 * detached there (the bench's own process detaches some: tsx's loader thread, TF.js's WebAssembly
 * memory), as in an application. One process for the whole run, as PyTorch's, so that all
 * workloads share one process's memory placement.
 */
export class LosskitPeer {
  private readonly worker = new JsonLineChild(
    // No execArgv: neither tsx's loader nor the source condition, so the built package runs.
    spawn(process.execPath, [LOSSKIT_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );

  /**
   * Times one workload: its timings, the value it computed and, for a gradient, whether the call
   * returned arrays of its own (`fresh`, true when `freshResult` was asked); or why it cannot run.
   */
  async run(
    req: LosskitRequest,
  ): Promise<{ timing: Timing; check: number; fresh: boolean } | string> {
    if (this.worker.gone) return `the losskit process exited (${this.worker.stderr.trim()})`;
    const answer = (await Promise.race([this.worker.ask(req), this.worker.exited])) as
      | string
      | { times: number[]; cpu: number[]; check: number | null; fresh: boolean }
      | { error: string };
    if (typeof answer === 'string') return `the losskit process failed: ${answer}`;
    if ('error' in answer) return answer.error;
    return {
      timing: summarize(answer.times, answer.cpu),
      check: answer.check ?? Number.NaN,
      fresh: answer.fresh,
    };
  }

  /** The worker's node flags and where `@losskit/core` resolves there. */
  async probe(): Promise<{ execArgv: string[]; core: string }> {
    return (await this.worker.ask({ op: 'probe' })) as { execArgv: string[]; core: string };
  }

  close(): void {
    this.worker.close();
  }
}
