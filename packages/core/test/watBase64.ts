import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';

/**
 * What wabt (the devDependency, 1.0.39) makes of the `.wat` file at `url` (SIMD on, validated),
 * base64-encoded: the form the `…Bytes.ts` files commit, so a test can check that the committed
 * module is its source's. The file is read as bytes, not a string (wabt's JavaScript API mangles
 * non-ASCII text, i.e. the comments), and copied into an ArrayBuffer of its own (wabt reads a
 * Buffer's whole backing store, which for a small file is Node's shared pool: it would then parse
 * whatever follows the file's bytes).
 */
export async function watBase64(url: URL): Promise<string> {
  const wat = Uint8Array.from(readFileSync(url));
  const wabt = await wabtInit();
  const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const module = wabt.parseWat(name, wat, { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}
