#!/usr/bin/env node
// Makes sure the system packages the test suite needs are present: Debian's Chromium for the web
// dashboard's end-to-end tests (driven by playwright-core; no tool downloads a browser of its own)
// and a C compiler for the benchmark's native bandwidth loop (tools/bench/native/memLoop.c).
// Installs what is missing with apt-get when running as root; otherwise says what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium';
const CC = process.env.CC ?? 'cc';

function sh(cmd, args) {
  execFileSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const needs = [
  { what: CHROMIUM, pkg: 'chromium', present: () => existsSync(CHROMIUM) },
  {
    what: `a C compiler (${CC})`,
    pkg: 'gcc',
    present: () => spawnSync(CC, ['--version']).status === 0,
  },
];
const missing = needs.filter((n) => !n.present());
if (missing.length > 0) {
  const pkgs = missing.map((n) => n.pkg);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    for (const n of missing) console.error(`losskit: ${n.what} is missing`);
    console.error(
      `losskit: install Debian's ${pkgs.join(' ')} (sudo apt-get install -y ${pkgs.join(' ')}) and run again.`,
    );
    process.exit(1);
  }
  console.error(`losskit: installing Debian ${pkgs.join(' ')} for the tests (apt-get)…`);
  sh('apt-get', ['update', '-qq']);
  sh('apt-get', ['install', '-y', '-qq', ...pkgs]);
  for (const n of missing) {
    if (!n.present()) {
      console.error(`losskit: apt-get finished but ${n.what} is still missing`);
      process.exit(1);
    }
  }
}
