import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const vectors = join(root, 'packages/core/test/reference');

async function conformance(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(
      process.execPath,
      ['--conditions=@losskit/source', '--import', 'tsx', 'tools/conformance/src/cli.ts', ...args],
      { cwd: root, maxBuffer: 64 << 20 },
    );
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function lastLine(s: string): string {
  return s.trimEnd().split('\n').at(-1) ?? '';
}

function tmpFile(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'losskit-conformance-'));
  const f = join(dir, 'case.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

const mseDoc = JSON.parse(readFileSync(join(vectors, 'mse.json'), 'utf8'));

describe('pnpm conformance', () => {
  it('passes every vendored reference vector one-shot', async () => {
    const r = await conformance(vectors);
    const total = readdirCases();
    expect(lastLine(r.stdout)).toBe(`${total} passed, 0 failed`);
    expect(r.code).toBe(0);
  }, 120_000);

  it('reports a case whose expected value is off, by id, and exits 1', async () => {
    const doc = structuredClone(mseDoc);
    doc.cases = [doc.cases[0]];
    doc.cases[0].expected.mean = doc.cases[0].expected.mean * (1 + 1e-6);
    const r = await conformance(tmpFile(doc));
    expect(r.stdout).toContain(`FAIL ${doc.cases[0].id}: mean: expected`);
    expect(lastLine(r.stdout)).toBe('0 passed, 1 failed');
    expect(r.code).toBe(1);
  }, 60_000);

  it('counts a loss the library does not export as failed, not skipped', async () => {
    const doc = structuredClone(mseDoc);
    doc.cases = [{ ...doc.cases[0], id: 'nope/basic', loss: 'noSuchLoss' }];
    const r = await conformance(tmpFile(doc));
    expect(r.stdout).toContain('FAIL nope/basic: @losskit/core exports no kernel named noSuchLoss');
    expect(lastLine(r.stdout)).toBe('0 passed, 1 failed');
    expect(r.code).toBe(1);
  }, 60_000);

  it('fails an error case when the call returns instead of throwing', async () => {
    const doc = structuredClone(mseDoc);
    const good = doc.cases[0];
    doc.cases = [{ id: 'mse/not_an_error', loss: 'mse', inputs: good.inputs, error: 'shape' }];
    const r = await conformance(tmpFile(doc));
    expect(r.stdout).toContain(
      'FAIL mse/not_an_error: expected a shape error, but the call returned',
    );
    expect(r.code).toBe(1);
  }, 60_000);

  it('fails an error case that throws the wrong kind of error', async () => {
    const doc = structuredClone(mseDoc);
    const bad = doc.cases.find((c: { error?: string }) => c.error === 'shape');
    doc.cases = [{ ...bad, id: 'mse/wrong_kind', error: 'range' }];
    const r = await conformance(tmpFile(doc));
    expect(r.stdout).toContain('FAIL mse/wrong_kind: expected a range error, got shape');
    expect(r.code).toBe(1);
  }, 60_000);

  it('rejects bad flags with a usage message and exit 2', async () => {
    const r = await conformance('--chunks', 'zero', vectors);
    expect(r.stderr).toContain('--chunks must be a positive integer');
    expect(r.code).toBe(2);
  }, 60_000);
});

function readdirCases(): number {
  let n = 0;
  for (const f of readdirSync(vectors)) {
    if (f.endsWith('.json')) n += JSON.parse(readFileSync(join(vectors, f), 'utf8')).cases.length;
  }
  return n;
}
