// The README's examples run, so they cannot rot; the losses section is generated from docs/ and
// must be current; every exported kernel has a section.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kernels } from '@losskit/core';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { buildReadme, ORDER } from '../scripts/build-readme.mjs';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');

function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('README', () => {
  it('has its losses section generated from docs/*.md (run scripts/build-readme.mjs)', () => {
    expect(buildReadme(readme)).toBe(readme);
  });

  it('documents every kernel, in the section order', () => {
    const documented = (ORDER as [string, string[]][]).flatMap(([, names]) => names).sort();
    expect(documented).toEqual(Object.keys(kernels).sort());
    for (const name of documented) expect(readme).toContain(`#### ${name}\n`);
    expect(readme).not.toContain('(not documented yet)');
  });

  const blocks = tsBlocks(readme).filter((b) => b.includes("from '@losskit/core'"));
  it('has runnable examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(Object.keys(kernels).length);
  });

  it.each(
    blocks.map((code, i) => [i, code.split('\n').find((l) => l.includes('import {')) ?? '', code]),
  )('example %i runs (%s)', async (i, _label, code) => {
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
