#!/usr/bin/env node
// Builds the web dashboard's assets: bundles public/app.ts (with uPlot) using esbuild and copies
// index.html, style.css and uPlot's stylesheet next to it. Default output: dist/public/, which is
// where startWebServer looks for its assets. `node scripts/build-web.mjs [outDir]`.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(here, '..');

/** Writes the dashboard's assets into `outDir` (default: dist/public) and returns that folder. */
export async function buildWeb(outDir = join(appDir, 'dist', 'public')) {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(appDir, 'public', 'app.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    outfile: join(out, 'app.js'),
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve('uplot/package.json'));
  await copyFile(join(uplotDir, 'dist', 'uPlot.min.css'), join(out, 'uPlot.min.css'));
  await copyFile(join(appDir, 'public', 'index.html'), join(out, 'index.html'));
  await copyFile(join(appDir, 'public', 'style.css'), join(out, 'style.css'));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildWeb(process.argv[2]);
  console.log(`web assets written to ${out}`);
}
