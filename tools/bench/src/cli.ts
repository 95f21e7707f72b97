// `pnpm bench`: losskit side by side with PyTorch (CPU, 1 and 2 threads) and TF.js (CPU, WASM).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchReport, PEERS, type PeerName, runBench } from './runBench.js';
import { formatCpuTable, formatFreshResults, formatTable } from './table.js';
import { checkTargets, formatTargets } from './targets.js';

const USAGE = `usage: pnpm bench [--quick] [--reps N] [--only SUBSTRING] [--json FILE]
                  [--python PATH] [--budget SECONDS] [--min-time MS] [--peers LIST]
                  [--install-peers]

  --quick          small sizes (a CI-speed smoke run)
  --reps N         timed repetitions per peer and workload (default 5)
  --only S         only workloads whose name contains S (or any of S=a,b,c)
  --json FILE      also write {"results": [{workload, losskit_ms, peers}]} to FILE
  --python PATH    the Python with torch for the PyTorch peer (default /usr/bin/python3)
  --budget S       stop repeating a peer on a workload after S seconds (default 30)
  --min-time MS    past --reps, a peer repeats a fast workload until MS ms are timed, at most
                   5 × reps in all (default 250; 0: exactly --reps)
  --peers LIST     only these peers, comma-separated (default all: ${PEERS.join(',')})
  --install-peers  when \`import torch\` fails and we are root: apt-get install python3-torch`;

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown';
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const reps = Number(v.reps ?? 5);
  const budget = Number(v.budget ?? 30);
  const minTime = Number(v['min-time'] ?? 250);
  if (!Number.isInteger(reps) || reps < 1) {
    process.stderr.write(`--reps must be a positive integer, got ${v.reps}\n`);
    return 2;
  }
  if (!(minTime >= 0 && minTime < Number.POSITIVE_INFINITY)) {
    process.stderr.write(`--min-time must be a number of ms ≥ 0, got ${v['min-time']}\n`);
    return 2;
  }
  if (!(budget > 0)) {
    process.stderr.write(`--budget must be a positive number of seconds, got ${v.budget}\n`);
    return 2;
  }
  const peers = v.peers?.split(',').map((p) => p.trim()) as PeerName[] | undefined;
  const unknown = peers?.filter((p) => !(PEERS as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`--peers: unknown ${unknown.join(', ')}; known: ${PEERS.join(', ')}\n`);
    return 2;
  }
  const python = v.python ?? '/usr/bin/python3';
  if (!existsSync(python)) process.stderr.write(`note: ${python} does not exist\n`);
  const report: BenchReport = await runBench({
    quick: v.quick ?? false,
    reps,
    only: v.only,
    python,
    installPeers: v['install-peers'] ?? false,
    peers,
    budgetMs: budget * 1000,
    minMs: minTime,
    tmpDir: '',
    log: (line) => process.stderr.write(`${line}\n`),
  });
  report.machine = {
    nproc: String(os.availableParallelism?.() ?? os.cpus().length),
    cpu: cpuModel(),
    node: process.version,
    ...report.machine,
  };
  const m = report.machine;
  process.stdout.write(
    `\nlosskit bench${v.quick ? ' (quick sizes)' : ''}: ${m.nproc} CPUs (${m.cpu}), node ${m.node}, torch ${m.torch ?? 'skipped'}, tfjs ${m.tfjs ?? 'skipped'}, native loop ${m.cc ?? 'skipped'}; median of ${reps} reps or more (fast workloads until ${minTime} ms are timed, n= in the table); ratios are peer ms / losskit ms (> 1 means losskit is faster)\n\n`,
  );
  process.stdout.write(`${formatTable(report)}\n`);
  process.stdout.write(
    `\nCPU time (process user + system per call; ratios = peer / losskit, single-threaded peers):\n\n${formatCpuTable(report)}\n`,
  );
  const targets = checkTargets(report);
  if (targets.length > 0) {
    process.stdout.write(
      `\nTargets of issue 6 (PyTorch: met when the CPU-time and the wall-time ratios are both ≥ 1; "within the repetitions' spread": the verdict flips for some pairing of a losskit repetition with a peer repetition):\n\n${formatTargets(targets)}\n`,
    );
  }
  const fresh = formatFreshResults(report);
  if (fresh !== '') {
    process.stdout.write(
      `\nGradients without out (each call allocates its float64 results; PyTorch allocates its float32 ones on every call; not a target of issue 6, whose gradient rows pass out):\n\n${fresh}\n`,
    );
  }
  for (const s of report.skipped) process.stdout.write(`\n${s}`);
  if (report.skipped.length > 0) process.stdout.write('\n');
  if (v.json !== undefined) {
    writeFileSync(v.json, `${JSON.stringify({ ...report, targets }, null, 2)}\n`);
    process.stderr.write(`wrote ${v.json}\n`);
  }
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      quick: { type: 'boolean' },
      reps: { type: 'string' },
      only: { type: 'string' },
      json: { type: 'string' },
      python: { type: 'string' },
      budget: { type: 'string' },
      'min-time': { type: 'string' },
      peers: { type: 'string' },
      'install-peers': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
