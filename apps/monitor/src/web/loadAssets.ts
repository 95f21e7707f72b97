import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

/** One file the dashboard serves. */
export interface Asset {
  body: Buffer;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Reads the dashboard's asset folder once, into a map from URL path (`/app.js`) to contents.
 * The server answers only exact keys of this map, so no request path is ever joined onto the
 * file system: `..`, encoded traversal and absolute paths cannot name anything outside it. A
 * symlink is followed only when its target lies inside the folder; other symlinks, and files
 * of types not listed above, are left out.
 */
export async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const root = await realpath(dir);
  const assets = new Map<string, Asset>();
  const walk = async (folder: string): Promise<void> => {
    for (const name of await readdir(folder)) {
      const full = join(folder, name);
      const info = await lstat(full);
      let target = full;
      if (info.isSymbolicLink()) {
        target = await realpath(full).catch(() => '');
        if (target === '' || !(target === root || target.startsWith(root + sep))) continue;
      }
      const st = info.isSymbolicLink() ? await lstat(target) : info;
      if (st.isDirectory()) {
        if (!info.isSymbolicLink()) await walk(full);
        continue;
      }
      const type = TYPES[extname(name).toLowerCase()];
      if (!st.isFile() || type === undefined) continue;
      const urlPath = `/${relative(root, full).split(sep).join('/')}`;
      assets.set(urlPath, { body: await readFile(target), contentType: type });
    }
  };
  await walk(root);
  return assets;
}
