// The CLI as a real child process (run from source with tsx, as a user would run the built bin).
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFile,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileVersionRecord, lightningCsv, pyJson, scalarRecord } from '../test/logWriters.js';
import { removeDir, tempDir, until } from '../test/watchHarness.js';
import { arrowStreamPieces } from './demo/arrowStreamPieces.js';
import { demoSchema, mulberry32, simulatedBatch } from './demo/simulatedBatch.js';

const cwd = fileURLToPath(new URL('..', import.meta.url));
// Each run starts node + tsx (about 2 s on a busy 2-core machine).
vi.setConfig({ testTimeout: 40_000 });

const CLI = ['--conditions=@losskit/source', '--import', 'tsx', 'src/cli.ts'];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], options: { uid?: number; gid?: number; argv?: string[] } = {}): Run {
  const { argv = CLI, ...ids } = options;
  const child = spawn(process.execPath, [...argv, ...args], {
    cwd: argv === CLI ? cwd : tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...ids,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/**
 * The CLI bundled into one file in a world-readable temp folder, for runs as another user: the
 * clone may sit where `nobody` cannot read it (a 0700 temp dir, /root), which must not decide
 * whether the test can run.
 */
async function cliForAnyUser(): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'losskit-cli-'));
  await mkdir(join(root, 'dist'));
  await copyFile(join(cwd, 'package.json'), join(root, 'package.json'));
  const outfile = join(root, 'dist', 'cli.mjs');
  await build({
    entryPoints: [join(cwd, 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@losskit/source'],
    external: ['fsevents'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    outfile,
    logLevel: 'silent',
  });
  for (const p of [root, join(root, 'dist')]) await chmod(p, 0o755);
  for (const p of [outfile, join(root, 'package.json')]) await chmod(p, 0o644);
  return [outfile];
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
let children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children = [];
  await removeDir(dir);
});

describe('losskit-monitor summarize', () => {
  it('prints the summary JSON of every format, with --loss over Arrow model outputs', async () => {
    await writeFile(
      join(dir, 'metrics.csv'),
      lightningCsv(
        ['epoch', 'step', 'train_loss'],
        [
          { epoch: 0, step: 0, train_loss: 2.3 },
          { epoch: 0, step: 50, train_loss: Number.NaN },
          { epoch: 0, step: 110, train_loss: 0.41 },
        ],
      ),
    );
    await writeFile(
      join(dir, 'events.out.tfevents.1.host'),
      Buffer.concat([
        fileVersionRecord(),
        scalarRecord('loss', 1, 0.5),
        scalarRecord('loss', 2, 0.25),
      ]),
    );
    await writeFile(join(dir, 'log.jsonl'), `${pyJson({ step: 3, acc: 0.5 })}\nnot json\n`);
    const schema = demoSchema(3);
    const rand = mulberry32(3);
    const batches = [0, 1, 2].map((i) => simulatedBatch(schema, i * 5, 4, rand).batch);
    const pieces = arrowStreamPieces(schema, batches);
    await writeFile(join(dir, 'outputs.arrows'), Buffer.concat([pieces.schema, ...pieces.batches]));

    const r = run(['summarize', dir, '--loss', 'crossEntropy:input=logits,target=label']);
    expect(await r.exit).toBe(0);
    const summary = JSON.parse(r.stdout());
    expect(
      summary.sources.map((s: { path: string; format: string }) => [
        s.path.slice(dir.length + 1),
        s.format,
      ]),
    ).toEqual([
      ['events.out.tfevents.1.host', 'tfevents'],
      ['log.jsonl', 'jsonl'],
      ['metrics.csv', 'csv'],
      ['outputs.arrows', 'arrow'],
    ]);
    expect(summary.sources[2].series.train_loss).toEqual({
      count: 3,
      nonFinite: 1,
      first: 2.3,
      last: 0.41,
      min: 0.41,
      max: 2.3,
      mean: (2.3 + 0.41) / 2,
      firstStep: 0,
      lastStep: 110,
    });
    expect(summary.sources[0].series.loss).toMatchObject({
      count: 2,
      first: 0.5,
      last: 0.25,
      firstStep: 1,
      lastStep: 2,
    });
    const ce = summary.sources[3].series.crossEntropy;
    expect(Object.keys(summary.sources[3].series)).toEqual(['crossEntropy']);
    expect([ce.count, ce.firstStep, ce.lastStep]).toEqual([12, 0, 10]);
    expect(r.stderr()).toMatch(/log\.jsonl \(line 2\): not JSON/);
  });

  it('exits 1 when there are no logs', async () => {
    const r = run(['summarize', dir]);
    expect(await r.exit).toBe(1);
    expect(JSON.parse(r.stdout())).toEqual({ sources: [] });
  });

  it('rejects a bad --loss with a message naming it', async () => {
    const r = run(['summarize', dir, '--loss', 'nosuchLoss:input=a']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/unknown loss "nosuchLoss"/);
  });
});

describe('losskit-monitor watch --json', () => {
  it('rejects a --max-points that is not 0 or an integer ≥ 16, naming it', async () => {
    const r = run(['watch', dir, '--max-points', '8']);
    expect(await r.exit).not.toBe(0);
    expect(r.stderr()).toMatch(/--max-points must be 0 or an integer ≥ 16/);
  });

  it('prints one JSON object per new point as it arrives, and ends cleanly on SIGINT', async () => {
    const f = join(dir, 'run.jsonl');
    await writeFile(f, `${pyJson({ step: 0, loss: 1 })}\n`);
    const r = run(['watch', dir, '--json', '--poll', '100']);
    children.push(r.child);
    await until(() => jsonLines(r.stdout()).length === 1, 'the first point');
    await appendFile(f, `${pyJson({ step: 1, loss: Number.NaN })}\n{"step": 2, "lo`);
    await until(() => jsonLines(r.stdout()).length === 2, 'the second point');
    await appendFile(f, 'ss": 0.5}\n');
    await until(() => jsonLines(r.stdout()).length === 3, 'the third point');
    const [a, b, c] = jsonLines(r.stdout());
    expect(Object.keys(a)).toEqual(['path', 'format', 'series', 'step', 'value', 'wallTime']);
    expect([a.path, a.format, a.series, a.step, a.value]).toEqual([f, 'jsonl', 'loss', 0, 1]);
    expect([b.step, b.value, c.step, c.value]).toEqual([1, 'NaN', 2, 0.5]);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  it('with --loss: one line per Arrow batch with its rows and the running mean', async () => {
    const f = join(dir, 'outputs.arrows');
    const schema = demoSchema(4);
    const rand = mulberry32(9);
    const batches = [0, 1].map((i) => simulatedBatch(schema, i, 8, rand).batch);
    const pieces = arrowStreamPieces(schema, batches);
    await writeFile(f, Buffer.concat([pieces.schema, pieces.batches[0]]));
    const r = run([
      'watch',
      f,
      '--json',
      '--poll',
      '100',
      '--loss',
      'crossEntropy:input=logits,target=label',
    ]);
    children.push(r.child);
    await until(() => jsonLines(r.stdout()).length === 1, 'the first batch');
    await appendFile(f, pieces.batches[1]);
    await until(() => jsonLines(r.stdout()).length === 2, 'the second batch');
    const [a, b] = jsonLines(r.stdout());
    expect([a.series, a.step, a.rows, b.step, b.rows]).toEqual(['crossEntropy', 0, 8, 1, 8]);
    expect(a.runningMean).toBe(a.value);
    expect(b.runningMean).toBeCloseTo(((a.value as number) + (b.value as number)) / 2, 12);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  });

  it('a file that is unreadable, then readable again: reported once, nothing lost', async () => {
    // chmod does not stop root, so when the tests run as root the monitor runs as `nobody`.
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534, argv: await cliForAnyUser() } : {};
    await chmod(dir, 0o755);
    const locked = join(dir, 'locked.jsonl');
    const open = join(dir, 'open.jsonl');
    await writeFile(locked, `${pyJson({ step: 0, loss: 0 })}\n`);
    await writeFile(open, `${pyJson({ step: 0, acc: 0 })}\n`);
    await chmod(locked, 0o000);
    await chmod(open, 0o644);
    const r = run(['watch', dir, '--json', '--poll', '100'], user);
    children.push(r.child);
    await until(() => /locked\.jsonl: permission denied/.test(r.stderr()), 'the permission report');
    await until(() => jsonLines(r.stdout()).some((p) => p.series === 'acc'), 'the readable file');
    await appendFile(locked, `${pyJson({ step: 1, loss: 1 })}\n`); // the writer goes on
    await new Promise((res) => setTimeout(res, 400)); // several polls while still locked
    await chmod(locked, 0o644);
    await until(
      () => jsonLines(r.stdout()).filter((p) => p.series === 'loss').length === 2,
      'the unlocked values',
    );
    await appendFile(locked, `${pyJson({ step: 2, loss: 2 })}\n`);
    await until(
      () => jsonLines(r.stdout()).filter((p) => p.series === 'loss').length === 3,
      'a later value',
    );
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
    expect(
      jsonLines(r.stdout())
        .filter((p) => p.series === 'loss')
        .map((p) => p.step),
    ).toEqual([0, 1, 2]);
    expect(r.stderr().match(/permission denied/g)).toHaveLength(1);
  });
});

describe('losskit-monitor demo', () => {
  it('--duration: runs the simulated training in a separate process, then ends cleanly', async () => {
    const r = run(['demo', '--duration', '2', '--json', '--rate', '20']);
    expect(await r.exit).toBe(0);
    const lines = jsonLines(r.stdout());
    const ce = lines.filter((l) => l.series === 'crossEntropy');
    const lr = lines.filter((l) => l.series === 'lr');
    expect(ce.length).toBeGreaterThan(5);
    // every batch the run wrote was read, once: one loss value and one lr line per step
    expect(ce.map((l) => l.step)).toEqual(lr.map((l) => l.step));
    expect(ce.map((l) => l.step)).toEqual(ce.map((_, i) => i));
    expect(ce.every((l) => l.rows === 64 && l.format === 'arrow')).toBe(true);
    const tmp = /writing (\S+)outputs\.arrows/.exec(r.stderr())![1];
    await expect(stat(tmp)).rejects.toThrow(/ENOENT/);
  });

  it('ends cleanly on SIGINT with the plain view (stdout not a terminal)', async () => {
    const r = run(['demo', '--interval', '0.2']);
    children.push(r.child);
    await until(() => /crossEntropy/.test(r.stdout()), 'a plain line about the loss');
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
    const tmp = /writing (\S+)outputs\.arrows/.exec(r.stderr())![1];
    await expect(readdir(tmp)).rejects.toThrow(/ENOENT/);
  });
});
