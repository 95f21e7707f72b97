import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrowStreamPieces, maskedCrc32c } from '@losskit/monitor';
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';

export interface SoakOptions {
  seconds: number;
  /** JSON lines per second per JSON-lines run (two runs, two series per line). */
  linesPerSecond?: number;
  /** tfevents records per second. */
  recordsPerSecond?: number;
  /** Arrow batches per second (20 rows each). */
  batchesPerSecond?: number;
  /** Every log is rotated (renamed, a new file at the old path) this often. */
  rotateEverySeconds?: number;
  /** Live web clients (Server-Sent Events) connected throughout. */
  clients?: number;
  log?: (line: string) => void;
  /** Run the monitor from its TypeScript source (tests) rather than its build. */
  fromSource?: boolean;
}

export interface SoakResult {
  seconds: number;
  written: number;
  seen: number;
  missing: number;
  duplicates: number;
  unknown: number;
  rotations: number;
  /** Points per second the monitor delivered over the whole run (until it had caught up). */
  pointsPerSecond: number;
  /** Seconds the monitor needed after the writer stopped to show everything. */
  catchUpSeconds: number;
  peakRssMB: number;
  /** Mean RSS in MB of each quarter of the run. */
  rssQuarters: number[];
  memoryFlat: boolean;
  /** RSS growth from the second to the last quarter per point shown meanwhile. */
  growthBytesPerPoint: number;
  problems: string[];
  clients: { bytes: number; endedEarly: boolean }[];
  exitCode: number | null;
  ok: boolean;
}

const TICK_MS = 20;
const ROWS = 20;

/** The built CLI; from source (tsx) when asked or when it has not been built. */
function monitorCommand(fromSource: boolean): string[] {
  const dist = fileURLToPath(new URL('../../../apps/monitor/dist/cli.js', import.meta.url));
  if (!fromSource && existsSync(dist)) return [dist];
  const src = fileURLToPath(new URL('../../../apps/monitor/src/cli.ts', import.meta.url));
  return ['--conditions=@losskit/source', '--import', 'tsx', src];
}

// ---- a tfevents encoder (simple_value scalars, as torch.utils.tensorboard writes) -------------

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

function tfRecord(step: number, tag: string | null, value: number): Buffer {
  const data: number[] = [0x09];
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(Date.now() / 1000);
  data.push(...wall, 0x10, ...varint(step));
  if (tag === null) {
    const v = Buffer.from('brain.Event:2');
    data.push(0x1a, ...varint(v.length), ...v);
  } else {
    const t = Buffer.from(tag);
    const f = Buffer.alloc(4);
    f.writeFloatLE(value);
    const val = [0x0a, ...varint(t.length), ...t, 0x15, ...f];
    const summary = [0x0a, ...varint(val.length), ...val];
    data.push(0x2a, ...varint(summary.length), ...summary);
  }
  const body = Uint8Array.from(data);
  const out = Buffer.alloc(16 + body.length);
  out.writeBigUInt64LE(BigInt(body.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(body, 12);
  out.writeUInt32LE(maskedCrc32c(body), 12 + body.length);
  return out;
}

// ---- the writer -----------------------------------------------------------------------------

/** One log the writer appends to through an open descriptor, rotating it now and then. */
class RotatingLog {
  fd: number;
  generation = 0;
  rotated: string[] = [];

  constructor(
    readonly path: string,
    private readonly header: () => Buffer,
  ) {
    this.fd = openSync(path, 'a');
    writeSync(this.fd, header());
  }

  write(bytes: Buffer | string): void {
    if (typeof bytes === 'string') writeSync(this.fd, bytes);
    else writeSync(this.fd, bytes);
  }

  rotate(): void {
    closeSync(this.fd);
    const to = `${this.path}.${++this.generation}`;
    renameSync(this.path, to);
    this.rotated.push(to);
    // keep the two latest rotations, as a rotating handler would
    while (this.rotated.length > 2) rmSync(this.rotated.shift()!, { force: true });
    this.fd = openSync(this.path, 'a');
    writeSync(this.fd, this.header());
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Expected and seen steps of one series: a bitmap so duplicates are caught at any length. */
class Tally {
  written = 0;
  seen = 0;
  duplicates = 0;
  private bits = new Uint8Array(1024);

  mark(step: number): void {
    if (step >= this.bits.length * 8) {
      const next = new Uint8Array(Math.max(this.bits.length * 2, (step >> 3) + 1));
      next.set(this.bits);
      this.bits = next;
    }
    const m = 1 << (step & 7);
    if (this.bits[step >> 3] & m) this.duplicates++;
    else {
      this.bits[step >> 3] |= m;
      this.seen++;
    }
  }
}

function rssMB(pid: number): Promise<number | null> {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (s) => {
      const m = /VmRSS:\s+(\d+) kB/.exec(s);
      return m ? Number(m[1]) / 1024 : null;
    },
    () => null,
  );
}

/**
 * Runs the monitor (`watch --json --web`, no terminal view) on logs a fast writer produces with
 * periodic rotation, with live web clients connected; then checks that every value written was
 * shown exactly once and reports the rate, memory and problems.
 */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const linesPerSecond = o.linesPerSecond ?? 2000;
  const recordsPerSecond = o.recordsPerSecond ?? 500;
  const batchesPerSecond = o.batchesPerSecond ?? 50;
  const rotateEvery = (o.rotateEverySeconds ?? 5) * 1000;
  const dir = await mkdtemp(join(tmpdir(), 'losskit-soak-'));
  const tallies = new Map<string, Tally>();
  const tally = (path: string, series: string) => {
    const k = `${path}\u0000${series}`;
    let t = tallies.get(k);
    if (!t) {
      t = new Tally();
      tallies.set(k, t);
    }
    return t;
  };

  // The monitor.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...monitorCommand(o.fromSource ?? false),
      'watch',
      dir,
      '--json',
      '--web',
      '--port',
      '0',
      '--poll',
      '200',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  let unknown = 0;
  let rest = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (!line) continue;
      const p = JSON.parse(line) as { path: string; series: string; step: number };
      const t = tallies.get(`${p.path}\u0000${p.series}`);
      if (t) t.mark(p.step);
      else unknown++;
    }
  });
  const problems: string[] = [];
  let url = '';
  let errRest = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (errRest + chunk).split('\n');
    errRest = lines.pop()!;
    for (const line of lines) {
      const m = /^web view: (\S+)/.exec(line);
      if (m) url = m[1];
      else if (line.trim()) problems.push(line);
    }
  });
  const started = Date.now();
  while (!url) {
    if (child.exitCode !== null) throw new Error(`the monitor exited: ${problems.join('\n')}`);
    if (Date.now() - started > 60_000) throw new Error('the monitor printed no web view URL');
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`monitor up (${url}); writing for ${o.seconds} s`);

  // Live web clients.
  const clients = Array.from({ length: o.clients ?? 3 }, () => {
    const c = { bytes: 0, endedEarly: false, res: null as IncomingMessage | null, done: false };
    const u = new URL('/api/events', url);
    u.search = new URL(url).search;
    get(u, { headers: { accept: 'text/event-stream' } }, (res) => {
      c.res = res;
      res.on('data', (d: Buffer) => {
        c.bytes += d.length;
      });
      res.on('close', () => {
        if (!c.done) c.endedEarly = true;
      });
    }).on('error', () => {
      if (!c.done) c.endedEarly = true;
    });
    return c;
  });

  // The writer.
  const schema = new Schema([
    new Field('step', new Int32(), false),
    new Field('value', new Float64(), false),
  ]);
  const arrowSchemaBytes = Buffer.from(arrowStreamPieces(schema, []).schema);
  const runs = [0, 1].map(
    (k) => new RotatingLog(join(dir, `run-${k}.jsonl`), () => Buffer.alloc(0)),
  );
  const tb = new RotatingLog(join(dir, 'events.out.tfevents.1.soak'), () => tfRecord(0, null, 0));
  const arrow = new RotatingLog(join(dir, 'outputs.arrows'), () => arrowSchemaBytes);
  const steps = { run: [0, 0], tb: 0, arrow: 0 };
  const carry = { lines: 0, records: 0, batches: 0 };
  let rotations = 0;
  let lastRotation = Date.now();
  const writeTick = () => {
    carry.lines += (linesPerSecond * TICK_MS) / 1000;
    carry.records += (recordsPerSecond * TICK_MS) / 1000;
    carry.batches += (batchesPerSecond * TICK_MS) / 1000;
    runs.forEach((run, k) => {
      let text = '';
      for (let i = 0; i < Math.floor(carry.lines); i++) {
        const s = steps.run[k]++;
        text += `{"step": ${s}, "loss": ${1 / (s + 1)}, "acc": ${s % 2 ? 'NaN' : 0.5}}\n`;
        tally(run.path, 'loss').written++;
        tally(run.path, 'acc').written++;
      }
      run.write(text);
    });
    carry.lines -= Math.floor(carry.lines);
    const recs: Buffer[] = [];
    for (let i = 0; i < Math.floor(carry.records); i++) {
      recs.push(tfRecord(steps.tb++, 'tb/loss', Math.random()));
      tally(tb.path, 'tb/loss').written++;
    }
    carry.records -= Math.floor(carry.records);
    if (recs.length) tb.write(Buffer.concat(recs));
    for (let i = 0; i < Math.floor(carry.batches); i++) {
      const s = Int32Array.from({ length: ROWS }, () => steps.arrow++);
      const v = Float64Array.from(s, (x) => Math.sin(x / 100));
      const data = makeData({
        type: new Struct(schema.fields),
        length: ROWS,
        nullCount: 0,
        children: [
          makeData({ type: new Int32(), length: ROWS, data: s }),
          makeData({ type: new Float64(), length: ROWS, data: v }),
        ],
      });
      arrow.write(
        Buffer.from(arrowStreamPieces(schema, [new RecordBatch(schema, data)]).batches[0]),
      );
      tally(arrow.path, 'value').written += ROWS;
    }
    carry.batches -= Math.floor(carry.batches);
    if (Date.now() - lastRotation >= rotateEvery) {
      lastRotation = Date.now();
      for (const r of [...runs, tb, arrow]) r.rotate();
      rotations++;
    }
  };

  const rss: { t: number; mb: number }[] = [];
  const t0 = Date.now();
  const writer = setInterval(writeTick, TICK_MS);
  const sampler = setInterval(async () => {
    const mb = await rssMB(child.pid!);
    if (mb !== null) rss.push({ t: Date.now() - t0, mb });
  }, 500);
  const progress = setInterval(() => {
    const written = [...tallies.values()].reduce((a, t) => a + t.written, 0);
    const seen = [...tallies.values()].reduce((a, t) => a + t.seen, 0);
    log(
      `  ${Math.round((Date.now() - t0) / 1000)} s: written ${written}, seen ${seen}, RSS ${rss.at(-1)?.mb.toFixed(0)} MB`,
    );
  }, 10_000);
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  clearInterval(writer);
  clearInterval(progress);
  for (const r of [...runs, tb, arrow]) r.close();
  const stoppedAt = Date.now();
  const all = () => [...tallies.values()];
  const caughtUp = () => all().every((t) => t.seen >= t.written);
  while (!caughtUp() && Date.now() - stoppedAt < 60_000)
    await new Promise((r) => setTimeout(r, 50));
  const catchUpSeconds = (Date.now() - stoppedAt) / 1000;
  const written = all().reduce((a, t) => a + t.written, 0);
  const seen = all().reduce((a, t) => a + t.seen, 0);
  await new Promise((r) => setTimeout(r, 1000)); // anything late would be a duplicate
  clearInterval(sampler);
  for (const c of clients) {
    c.done = true;
    c.res?.destroy();
  }
  child.kill('SIGINT');
  const exitCode = await exit;
  await rm(dir, { recursive: true, force: true });

  const duplicates = all().reduce((a, t) => a + t.duplicates, 0);
  const q = (k: number) => {
    const part = rss.filter(
      (s) => s.t >= (k * o.seconds * 1000) / 4 && s.t < ((k + 1) * o.seconds * 1000) / 4,
    );
    return part.length ? part.reduce((a, s) => a + s.mb, 0) / part.length : Number.NaN;
  };
  const rssQuarters = [0, 1, 2, 3].map(q);
  // The views keep every point at full resolution up to --max-points per series (step, value,
  // wall time, smoothed: 32 B/point, in arrays that grow by doubling), and the soak's series,
  // rotated every 5 s, stay below the default 100,000: RSS grows with the data shown. Flat means: from the
  // second to the last quarter, RSS grew by no more than 128 B per point shown meanwhile, or by
  // under 10%, i.e. nothing but the data the views are asked to keep.
  const shownAt = (t: number) => (seen * Math.min(t, stoppedAt - t0)) / (stoppedAt - t0);
  const quarterMid = (k: number) => ((k + 0.5) * o.seconds * 1000) / 4;
  const pointsBetween = shownAt(quarterMid(3)) - shownAt(quarterMid(1));
  const growthBytesPerPoint =
    pointsBetween > 0 ? ((rssQuarters[3] - rssQuarters[1]) * 1024 * 1024) / pointsBetween : 0;
  const memoryFlat = growthBytesPerPoint <= 128 || rssQuarters[3] <= rssQuarters[1] * 1.1;
  const result: SoakResult = {
    seconds: o.seconds,
    written,
    seen,
    missing: written - seen,
    duplicates,
    unknown,
    rotations,
    pointsPerSecond: seen / ((stoppedAt - t0) / 1000 + catchUpSeconds),
    catchUpSeconds,
    peakRssMB: rss.reduce((a, s) => Math.max(a, s.mb), 0),
    rssQuarters,
    memoryFlat,
    growthBytesPerPoint,
    problems,
    clients: clients.map((c) => ({ bytes: c.bytes, endedEarly: c.endedEarly })),
    exitCode,
    ok: false,
  };
  result.ok =
    result.missing === 0 &&
    duplicates === 0 &&
    unknown === 0 &&
    problems.length === 0 &&
    exitCode === 0 &&
    result.clients.every((c) => !c.endedEarly && c.bytes > 0);
  return result;
}
