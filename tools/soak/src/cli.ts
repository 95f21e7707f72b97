// pnpm soak [--minutes M] [--rate LINES_PER_SECOND]: the monitor's load and soak test.
import { runSoak } from './runSoak.js';

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const n = Number(process.argv[i + 1]);
  if (!(n > 0)) {
    process.stderr.write(`soak: --${name} needs a positive number\n`);
    process.exit(2);
  }
  return n;
}

const minutes = arg('minutes') ?? 2;
const linesPerSecond = arg('rate');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const r = await runSoak({
  seconds: minutes * 60,
  linesPerSecond,
  log: (l) => process.stdout.write(`${l}\n`),
});
const lines = [
  `soak: ${fmt(r.seconds)} s, ${r.rotations} rotations of every log (2 JSON-lines runs, tfevents, Arrow IPC)`,
  `points: written ${fmt(r.written)}, shown ${fmt(r.seen)}, missing ${fmt(r.missing)}, duplicates ${fmt(r.duplicates)}, unknown ${fmt(r.unknown)}`,
  `rate sustained: ${fmt(r.pointsPerSecond)} points/s (caught up ${r.catchUpSeconds.toFixed(2)} s after the writer stopped)`,
  `memory: peak RSS ${r.peakRssMB.toFixed(0)} MB; mean RSS by quarter ${r.rssQuarters.map((m) => m.toFixed(0)).join(' / ')} MB; growth ${r.growthBytesPerPoint.toFixed(0)} B per point shown (the soak's series stay under --max-points, so the views keep every point); flat: ${r.memoryFlat ? 'yes' : 'no'}`,
  `web: ${r.clients.length} live clients, ${r.clients.filter((c) => !c.endedEarly).length} connected to the end, ${(r.clients.reduce((a, c) => a + c.bytes, 0) / 1e6).toFixed(1)} MB pushed`,
  `problems reported: ${r.problems.length}${r.problems.length ? `\n  ${r.problems.slice(0, 10).join('\n  ')}` : ''}`,
  `monitor exit code: ${r.exitCode}`,
  `result: ${r.ok ? 'PASS' : 'FAIL'}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = r.ok ? 0 : 1;
