#!/usr/bin/env node
// Assembles the "Losses" part of README.md from docs/<loss>.md, one section per loss, in the
// order below. `node scripts/build-readme.mjs` rewrites README.md; `--check` exits 1 when the
// README is out of date (the package's tests run the check).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ORDER = [
  [
    'Classification',
    [
      'crossEntropy',
      'nllLoss',
      'binaryCrossEntropy',
      'binaryCrossEntropyWithLogits',
      'sigmoidFocal',
      'softmaxFocal',
      'klDiv',
      'distillation',
    ],
  ],
  [
    'Margin losses',
    ['exponential', 'hinge', 'squaredHinge', 'softMargin', 'multiMargin', 'categoricalHinge'],
  ],
  ['Regression', ['l1', 'mse', 'smoothL1', 'huber', 'logCosh', 'poissonNll', 'gaussianNll']],
  [
    'Metric learning',
    [
      'marginRanking',
      'hingeEmbedding',
      'cosineEmbedding',
      'tripletMargin',
      'contrastive',
      'infoNce',
    ],
  ],
  ['Metrics', ['accuracy']],
];

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const START = '<!-- losses:start (generated from docs/*.md by scripts/build-readme.mjs) -->';
const END = '<!-- losses:end -->';

export function lossesSection() {
  const parts = [START, ''];
  for (const [group, names] of ORDER) {
    parts.push(`### ${group}`, '');
    for (const name of names) {
      const f = join(pkg, 'docs', `${name}.md`);
      const text = existsSync(f)
        ? readFileSync(f, 'utf8').trim()
        : `#### ${name}\n\n(not documented yet)`;
      // Sections are written as `## name`; nest them under the group heading.
      parts.push(
        text.replace(/^(#{2,5}) /gm, (_, h) => `${h}## `),
        '',
      );
    }
  }
  parts.push(END);
  return parts.join('\n');
}

export function buildReadme(current) {
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  if (a < 0 || b < 0) throw new Error('README.md lacks the losses markers');
  return current.slice(0, a) + lossesSection() + current.slice(b + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(pkg, 'README.md');
  const current = readFileSync(file, 'utf8');
  const next = buildReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error(
        'packages/core/README.md is out of date: run node packages/core/scripts/build-readme.mjs',
      );
      process.exit(1);
    }
  } else writeFileSync(file, next);
}
