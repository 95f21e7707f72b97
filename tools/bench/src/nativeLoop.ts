import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, type Timing } from './measure.js';

/** The C source of the yardstick (see its header). */
export const NATIVE_LOOP_SOURCE = fileURLToPath(new URL('../native/memLoop.c', import.meta.url));

/** How the bench compiles it: the machine's C compiler, vector code for this CPU. */
export const NATIVE_LOOP_FLAGS = ['-O3', '-march=native', '-ffast-math'];

/**
 * The memory-bandwidth yardstick of issue 6 ("a compiled SIMD loop reads the MSE inputs"),
 * measured in the same run as losskit instead of taken from the issue's figure: a C loop that
 * reads x and y once per call and sums (x − y)² or |x − y| in float32 lanes, compiled here at
 * the start of the run (`cc`, or $CC). Without a C compiler the bench says why and goes on.
 */
export class NativeLoop {
  private constructor(
    private readonly binary: string,
    /** The compiler's first line of `--version`. */
    readonly compiler: string,
  ) {}

  /** Compiles the loop into `dir`; returns why not when it cannot. */
  static compile(dir: string, cc = process.env.CC ?? 'cc'): NativeLoop | { skipped: string } {
    const binary = path.join(dir, 'memLoop');
    const r = spawnSync(cc, [...NATIVE_LOOP_FLAGS, '-o', binary, NATIVE_LOOP_SOURCE], {
      encoding: 'utf8',
    });
    if (r.error !== undefined) return { skipped: `cannot run ${cc}: ${r.error.message}` };
    if (r.status !== 0) {
      const why = `${r.stderr}`.trim().split('\n').slice(0, 3).join(' ');
      return {
        skipped: `${cc} ${NATIVE_LOOP_FLAGS.join(' ')} failed (exit ${r.status}${why ? `: ${why}` : ''})`,
      };
    }
    const v = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    return new NativeLoop(binary, `${v.stdout ?? ''}`.split('\n')[0].trim() || cc);
  }

  /**
   * Times the loop over two float32 files: `sq` sums (x − y)², `abs` |x − y|. The repetitions
   * follow measure.ts's rule (two warm-ups, `reps`, more until `minMs` is timed, at most 5 ×
   * reps, never past `budgetMs`). Returns the timings and the mean term, or why it failed.
   */
  run(
    mode: 'sq' | 'abs',
    xFile: string,
    yFile: string,
    o: { reps: number; minMs: number; budgetMs: number },
  ): { timing: Timing; value: number } | string {
    const r = spawnSync(
      this.binary,
      [mode, xFile, yFile, String(o.reps), String(o.minMs), String(o.budgetMs)],
      { encoding: 'utf8', timeout: o.budgetMs + 60_000 },
    );
    if (r.error !== undefined) return `memLoop failed: ${r.error.message}`;
    let answer: { times_ms?: number[]; value?: number; error?: string };
    try {
      answer = JSON.parse(`${r.stdout}`);
    } catch {
      return `memLoop printed no JSON (exit ${r.status}): ${`${r.stdout}${r.stderr}`.trim()}`;
    }
    if (answer.error !== undefined) return `memLoop: ${answer.error}`;
    if (!Array.isArray(answer.times_ms) || answer.times_ms.length === 0)
      return 'memLoop printed no times';
    return { timing: summarize(answer.times_ms), value: Number(answer.value) };
  }
}
