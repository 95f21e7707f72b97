import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchSampler } from '../sources/ArrowIpcParser.js';
import type { ViewOptions } from '../watch/runWatch.js';
import { runWatch } from '../watch/runWatch.js';
import { watchLogs } from '../watch/watchLogs.js';

export interface DemoOptions extends ViewOptions {
  /** Seconds; the demo runs until interrupted when absent. */
  duration?: number;
  /** Batches per second the simulated run writes. */
  rate?: number;
  arrowSampler: () => BatchSampler;
}

/** `.ts` when running from source (tsx), `.js` when built. */
function sibling(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
}

/**
 * The built-in demo: a simulated training run in its own process writes an Arrow IPC stream of
 * model outputs and a JSON-lines scalar log into a temporary directory, which is watched live.
 * Ends after `duration` seconds or on SIGINT / SIGTERM, stopping the run and removing the
 * directory. Resolves with the exit code.
 */
export async function runDemo(o: DemoOptions): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'losskit-demo-'));
  const writer: ChildProcess = fork(sibling('demoWriter'), [dir, '--rate', String(o.rate ?? 20)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const writerExited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
  process.stderr.write(
    `demo: a simulated training run is writing ${join(dir, 'outputs.arrows')} and metrics.jsonl` +
      `${o.duration ? ` for ${o.duration} s` : ' (Ctrl-C to stop)'}\n`,
  );
  const pollIntervalMs = 250;
  const views = await runWatch(
    watchLogs([dir], { arrowSampler: o.arrowSampler, pollIntervalMs }),
    o,
  );
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      if (writer.connected) writer.disconnect();
      writer.kill('SIGTERM');
      await writerExited;
      // let the watcher read what the run wrote last
      await new Promise((r) => setTimeout(r, 2 * pollIntervalMs));
      await views.stop();
      await rm(dir, { recursive: true, force: true });
      resolve(0);
    };
    let timer: NodeJS.Timeout | undefined;
    if (o.duration !== undefined) {
      const ms = o.duration * 1000;
      // --duration counts from the run's start (a cold start of the writer process takes a while)
      writer.once('message', () => {
        if (!done) timer = setTimeout(finish, ms);
      });
      writer.once('exit', () => {
        if (!done && timer === undefined) timer = setTimeout(finish, 0);
      });
    }
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    writer.once('exit', (code) => {
      if (!done && code !== 0)
        process.stderr.write(`demo: the simulated run exited with ${code}\n`);
    });
  });
}
