import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A long-lived worker process spoken to in JSON lines: one request per line on its stdin, one
 * answer per line on its stdout, in order. The peers (PyTorch, losskit's own clean process) are
 * such workers.
 */
export class JsonLineChild {
  /** The last 2000 characters the worker wrote to stderr. */
  stderr = '';
  private readonly waiting: ((line: string) => void)[] = [];
  /** Settles when the worker exits, with a message saying so. */
  readonly exited: Promise<string>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => resolve(`worker exited with ${code}: ${this.stderr.trim()}`)),
    );
    createInterface({ input: child.stdout }).on('line', (l) => this.waiting.shift()?.(l));
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    child.stdin.on('error', () => {});
  }

  /** Sends one request; resolves with the parsed answer line. */
  ask(req: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        try {
          resolve(JSON.parse(line));
        } catch (e) {
          reject(e);
        }
      });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** Whether the worker has exited. */
  get gone(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Ends the worker's input: it exits once it has answered everything. */
  close(): void {
    this.child.stdin.end();
  }
}
