// The terminal view through the real CLI on a real pseudo-terminal (util-linux `script`), keys
// typed into it: the TTY path (raw mode, alternate screen, keypresses) that stream tests cannot reach.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const appDir = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'losskit-pty-'));
  await writeFile(join(dir, 'log.jsonl'), '{"step": 0, "loss": 2}\n{"step": 1, "loss": 1}\n');
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('terminal view on a pty', () => {
  it('draws the series, changes smoothing on ], and quits on q with exit code 0', async () => {
    const cmd = `exec node --conditions=@losskit/source --import tsx src/cli.ts watch '${dir}'`;
    const proc = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: appDir });
    child = proc;
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (c: string) => {
      out += c;
    });
    proc.stderr.resume();
    const exited = new Promise<number | null>((resolve) =>
      proc.once('exit', (code) => resolve(code)),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping escapes
    const text = () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    await vi.waitFor(() => expect(text()).toMatch(/last 1 {2}mean 1\.5/), { timeout: 20_000 });
    expect(out).toContain('\x1b[?1049h');
    proc.stdin.write(']');
    await vi.waitFor(() => expect(text()).toContain('smoothing 0.800'), { timeout: 10_000 });
    proc.stdin.write('q');
    expect(await exited).toBe(0);
    expect(out).toContain('\x1b[?1049l');
  }, 40_000);
});
