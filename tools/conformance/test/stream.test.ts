import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chunkBounds } from '../src/streamCase.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const vectors = join(root, 'packages/core/test/reference');

async function conformance(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run(
      process.execPath,
      ['--conditions=@losskit/source', '--import', 'tsx', 'tools/conformance/src/cli.ts', ...args],
      { cwd: root, maxBuffer: 64 << 20 },
    );
    return { code: 0, stdout: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

function lastLine(s: string): string {
  return s.trimEnd().split('\n').at(-1) ?? '';
}

interface Case {
  id: string;
  loss: string;
  inputs: Record<string, { shape: number[] }>;
  error?: string;
  expected?: Record<string, unknown>;
}

function allCases(): Case[] {
  const out: Case[] = [];
  for (const f of readdirSync(vectors).sort()) {
    if (f.endsWith('.json')) out.push(...JSON.parse(readFileSync(join(vectors, f), 'utf8')).cases);
  }
  return out;
}

/** Cases no record batch can hold: inputs whose first dimensions differ. */
function unbatchable(c: Case): boolean {
  const rows = Object.values(c.inputs).map((t) => t.shape[0]);
  return rows.some((r) => r !== rows[0]);
}

function tmpFile(doc: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'losskit-stream-conf-')), 'case.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

describe('pnpm conformance --chunks (streaming mode)', () => {
  const cases = allCases();
  for (const k of [1, 3, 7]) {
    it(`passes every vendored vector through runningLoss with --chunks ${k}`, async () => {
      const r = await conformance('--chunks', String(k), '--seed', '3', vectors);
      const skipped = cases.filter((c) => unbatchable(c) || (k > 1 && c.loss === 'infoNce')).length;
      const passed = cases.length - skipped;
      expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
      expect(lastLine(r.stdout)).toBe(`${passed} passed, 0 failed, ${skipped} skipped`);
      expect(r.code).toBe(0);
    }, 120_000);
  }

  it('fails a case whose expected value is off, and an error case the stream completes', async () => {
    const doc = JSON.parse(readFileSync(join(vectors, 'crossEntropy.json'), 'utf8'));
    const good = doc.cases.find(
      (c: Case) => c.expected?.mean !== undefined && c.error === undefined,
    );
    const bad = doc.cases.find((c: Case) => c.error === 'range');
    doc.cases = [
      { ...good, id: 'ce/off', expected: { mean: (good.expected.mean as number) * (1 + 1e-6) } },
      { id: 'ce/not_an_error', loss: 'crossEntropy', inputs: good.inputs, error: 'range' },
      { ...bad, id: 'ce/wrong_kind', error: 'option' },
    ];
    const r = await conformance('--chunks', '3', tmpFile(doc));
    expect(r.stdout).toContain('FAIL ce/off: mean: expected');
    expect(r.stdout).toContain(
      'FAIL ce/not_an_error: expected a range error, but the stream completed',
    );
    expect(r.stdout).toContain('FAIL ce/wrong_kind: expected a option error, got range');
    expect(lastLine(r.stdout)).toBe('0 passed, 3 failed');
    expect(r.code).toBe(1);
  }, 60_000);
});

describe('chunkBounds', () => {
  it('splits rows into K contiguous chunks, one of them empty when K ≥ 3, reproducibly', () => {
    for (const rows of [0, 1, 2, 8, 24, 100]) {
      for (const k of [1, 2, 3, 7]) {
        for (const seed of [1, 2, 3]) {
          const b = chunkBounds(rows, k, seed, 'x/y');
          expect(b.length).toBe(k + 1);
          expect(b[0]).toBe(0);
          expect(b[k]).toBe(rows);
          for (let i = 1; i <= k; i++) expect(b[i]).toBeGreaterThanOrEqual(b[i - 1]);
          if (k >= 3) expect(b.some((x, i) => i > 0 && x === b[i - 1])).toBe(true);
          expect(chunkBounds(rows, k, seed, 'x/y')).toEqual(b);
        }
      }
    }
  });
});
