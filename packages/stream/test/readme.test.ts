// The README's examples run, so they cannot rot.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README', () => {
  it('has the promised examples: IPC file → running cross-entropy, lossReport, merging shards', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(
      blocks.some((b) => b.includes('fromArrowIPC(path)') && b.includes("loss: 'crossEntropy'")),
    ).toBe(true);
    expect(blocks.some((b) => b.includes('lossReport('))).toBe(true);
    expect(blocks.some((b) => b.includes('mergeStates('))).toBe(true);
  });

  it.each(blocks.map((code, i) => [i, code]))('example %i runs', async (i, code) => {
    const dir = join(pkg, 'test', '.examples');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i}.ts`);
    writeFileSync(file, code as string);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
