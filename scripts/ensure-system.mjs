#!/usr/bin/env node
// Makes sure the system packages the test suite needs are present: Debian's Chromium for the web
// dashboard's end-to-end tests (driven by playwright-core; no tool downloads a browser of its own).
// Installs it with apt-get when running as root and it is missing; otherwise says what to do.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium';

function sh(cmd, args) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    console.error(`losskit: ${CHROMIUM} is missing; install Debian's chromium (sudo apt-get install -y chromium) and run again.`);
    process.exit(1);
  }
  console.error('losskit: installing Debian chromium for the browser tests (apt-get)…');
  sh('apt-get', ['update', '-qq']);
  sh('apt-get', ['install', '-y', '-qq', 'chromium']);
  if (!existsSync(CHROMIUM)) {
    console.error(`losskit: apt-get finished but ${CHROMIUM} is still missing`);
    process.exit(1);
  }
}
