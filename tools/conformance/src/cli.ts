#!/usr/bin/env node
// pnpm conformance [--chunks K] [--seed S] <file-or-dir>...
import { parseArgs } from 'node:util';
import { runConformance } from './runConformance.js';

const USAGE = 'usage: pnpm conformance [--chunks K] [--seed S] <file-or-dir>...';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    process.stderr.write(`conformance: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const chunks = values.chunks === undefined ? undefined : Number(values.chunks);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (chunks !== undefined && !(Number.isInteger(chunks) && chunks >= 1)) {
    process.stderr.write(
      `conformance: --chunks must be a positive integer, got ${values.chunks}\n`,
    );
    return 2;
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write(`conformance: --seed must be an integer, got ${values.seed}\n`);
    return 2;
  }
  if (positionals.length === 0) {
    process.stderr.write(`conformance: no reference files given\n${USAGE}\n`);
    return 2;
  }
  const report = await runConformance(positionals, { chunks, seed });
  for (const s of report.skips) process.stdout.write(`SKIP ${s.id}: ${s.why}\n`);
  for (const f of report.failures) process.stdout.write(`FAIL ${f.id}: ${f.problems.join('; ')}\n`);
  const skipped = report.skipped > 0 ? `, ${report.skipped} skipped` : '';
  process.stdout.write(`${report.passed} passed, ${report.failed} failed${skipped}\n`);
  return report.failed > 0 ? 1 : 0;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      chunks: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`conformance: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
