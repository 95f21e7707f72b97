#!/usr/bin/env node
// losskit-monitor: watch training logs live, in the terminal and in the browser.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runDemo } from './demo/runDemo.js';
import type { BatchSampler } from './sources/ArrowIpcParser.js';
import type { LossFlag } from './sources/parseLossSpec.js';
import { summarizeLogs } from './summarize/summarizeLogs.js';
import { problemLine } from './watch/problemLine.js';
import { runWatch, type ViewOptions } from './watch/runWatch.js';
import { watchLogs } from './watch/watchLogs.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function number(name: string, check: (n: number) => boolean, what: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !check(n)) throw new InvalidArgumentError(`${name} must be ${what}`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function lossFlags(specs: string[] | undefined): Promise<LossFlag[]> {
  if (!specs?.length) return [];
  const { parseLossSpec } = await import('./sources/parseLossSpec.js');
  return specs.map((s) => parseLossSpec(s));
}

async function samplerFor(flags: LossFlag[]): Promise<(() => BatchSampler) | undefined> {
  if (flags.length === 0) return undefined;
  const { lossSampler } = await import('./sources/lossSampler.js');
  return lossSampler(flags);
}

const LOSS_HELP =
  'a loss over Arrow model-output columns, computed on the stream: ' +
  'name:input=COL,target=COL[,option=value…] (repeatable), e.g. crossEntropy:input=logits,target=label';

function addViewOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'no view: print one JSON object per new point, one per line')
    .option('--web', 'also serve the web view (prints "web view: <url>" to stderr)')
    .option('--host <host>', 'address the web view binds', '127.0.0.1')
    .option(
      '--port <port>',
      'port of the web view (default 6007, or any free port when it is taken; 0: any free port)',
      number(
        '--port',
        (n) => Number.isInteger(n) && n >= 0 && n < 65536,
        'an integer in [0, 65535]',
      ),
    )
    .option('--token <token>', 'access token of the web view (default: random when not loopback)')
    .option('--no-auth', 'serve the web view without a token even on a non-loopback address')
    .option('--quiet', 'no terminal view or plain lines (e.g. only --web)')
    .option(
      '--smoothing <weight>',
      'initial EMA smoothing weight of the terminal view, in [0, 1)',
      number('--smoothing', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      0.6,
    )
    .option(
      '--interval <seconds>',
      'seconds between plain lines when stdout is not a terminal',
      number('--interval', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--max-points <n>',
      'points each series keeps before it is thinned to half, keeping its min/max envelope (0: keep all)',
      number(
        '--max-points',
        (n) => n === 0 || (Number.isInteger(n) && n >= 16),
        '0 or an integer ≥ 16',
      ),
      100_000,
    );
}

interface ViewFlags {
  json?: boolean;
  web?: boolean;
  host: string;
  port?: number;
  token?: string;
  auth: boolean;
  quiet?: boolean;
  smoothing: number;
  interval?: number;
  maxPoints: number;
}

function viewOptions(f: ViewFlags): ViewOptions {
  return {
    json: f.json,
    web: f.web,
    host: f.host,
    port: f.port,
    token: f.token ?? null,
    noAuth: !f.auth,
    quiet: f.quiet,
    smoothing: f.smoothing,
    interval: f.interval,
    maxPoints: f.maxPoints,
  };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

// `watch --json | head`: when the reader goes away, shut down as on Ctrl-C (the demo then still
// stops its run and removes its directory).
let stdoutGone = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (stdoutGone) return;
  stdoutGone = true;
  process.kill(process.pid, 'SIGTERM');
});

const program = new Command()
  .name('losskit-monitor')
  .description('Watch training logs live, in the terminal and in the browser.')
  .version(pkg.version)
  .showHelpAfterError();

addViewOptions(
  program
    .command('watch')
    .description(
      'follow log files and directories (searched recursively) as they grow; new files are picked up',
    )
    .argument('<paths...>', 'log files or directories')
    .option('--loss <spec>', LOSS_HELP, collect)
    .addOption(
      new Option('--poll <ms>', 'how often every file is checked besides file events')
        .default(500)
        .argParser(number('--poll', (n) => n >= 10, 'at least 10')),
    ),
).action(async (paths: string[], flags: ViewFlags & { loss?: string[]; poll: number }) => {
  const arrowSampler = await samplerFor(await lossFlags(flags.loss));
  const views = await runWatch(
    watchLogs(paths, { arrowSampler, pollIntervalMs: flags.poll }),
    viewOptions(flags),
  );
  await untilSignal();
  await views.stop();
  process.exit(0);
});

program
  .command('summarize')
  .description(
    'read the logs once and print a JSON summary of every series (exit 1: no logs found)',
  )
  .argument('<paths...>', 'log files or directories')
  .option('--loss <spec>', LOSS_HELP, collect)
  .option('--compact', 'print the JSON on one line')
  .action(async (paths: string[], flags: { loss?: string[]; compact?: boolean }) => {
    const arrowSampler = await samplerFor(await lossFlags(flags.loss));
    const summary = await summarizeLogs(paths, {
      arrowSampler,
      onProblem: (p) => process.stderr.write(`${problemLine(p)}\n`),
    });
    process.stdout.write(`${JSON.stringify(summary, null, flags.compact ? 0 : 2)}\n`);
    if (summary.sources.length === 0) {
      process.stderr.write(`losskit-monitor: no log files found under ${paths.join(', ')}\n`);
      process.exitCode = 1;
    }
  });

addViewOptions(
  program
    .command('demo')
    .description(
      'watch a simulated training run (a separate process writing Arrow model outputs and a JSON-lines log)',
    )
    .option(
      '--duration <seconds>',
      'end after this many seconds (default: run until Ctrl-C)',
      number('--duration', (n) => n > 0, 'a positive number'),
    )
    .option(
      '--rate <batches>',
      'batches per second the simulated run writes',
      number('--rate', (n) => n > 0 && n <= 10000, 'in (0, 10000]'),
      20,
    )
    .option(
      '--loss <spec>',
      `${LOSS_HELP} (default crossEntropy:input=logits,target=label)`,
      collect,
    ),
).action(async (flags: ViewFlags & { duration?: number; rate: number; loss?: string[] }) => {
  const specs = flags.loss?.length ? flags.loss : ['crossEntropy:input=logits,target=label'];
  const arrowSampler = (await samplerFor(await lossFlags(specs)))!;
  const code = await runDemo({
    ...viewOptions(flags),
    duration: flags.duration,
    rate: flags.rate,
    arrowSampler,
  });
  process.exit(code);
});

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`losskit-monitor: ${(e as Error).message}\n`);
  process.exit(2);
});
