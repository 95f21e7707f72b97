import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * TF.js registers gradients separately from ops, and its Node (CommonJS) bundle has none;
 * the ESM `register_all_gradients.js` uses extensionless imports Node cannot load. esbuild
 * bundles it in memory; the registrations land in TF.js's global registry (`globalThis`), which
 * every copy of tfjs-core shares, so `tf.grad` then works for the `…Grad` workloads.
 */
async function registerGradients(): Promise<void> {
  const esbuild = await import('esbuild');
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

export type Tf = typeof import('@tensorflow/tfjs-core');
export type TfjsBackend = 'cpu' | 'wasm';

/**
 * Loads TF.js with its CPU and WASM backends. The WASM binaries ship inside the npm package:
 * `setWasmPaths` points at that folder on disk, so nothing is downloaded.
 */
export async function loadTfjs(): Promise<{ tf: Tf; backends: TfjsBackend[]; skipped: string[] }> {
  const tf = await import('@tensorflow/tfjs-core');
  await registerGradients();
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
  );
  wasm.setWasmPaths(`${dir}${path.sep}`);
  const backends: TfjsBackend[] = [];
  const skipped: string[] = [];
  for (const b of ['cpu', 'wasm'] as const) {
    try {
      if (await tf.setBackend(b)) backends.push(b);
      else skipped.push(`tfjs-${b}: backend did not initialise`);
    } catch (e) {
      skipped.push(`tfjs-${b}: ${(e as Error).message}`);
    }
  }
  return { tf, backends, skipped };
}
