// The seed of every property test (fast-check) in a vitest run, one per commit.
//
// Why: with a fresh random seed per run, a commit that passed here could fail in CI on a case
// no one had seen (the poissonNll −0 of the eighth session did exactly that). Taking the seed
// from the commit under test makes CI's run the run anyone can repeat on that commit, while
// each new commit still explores new cases. `LOSSKIT_SEED=<integer>` fixes the seed;
// `LOSSKIT_SEED=random` draws one (`pnpm fuzz` does). A failing property prints its seed and
// path, which `fc.assert(…, { seed, path })` replays.
//
// Each project's vitest.config.ts spreads `propertySeedOptions()` into `test`: the seed is
// worked out once per run, in the main process, and handed to the test workers with
// `provide`; `propertySeedSetup.ts` passes it to fast-check in each worker.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The seed when neither LOSSKIT_SEED nor git can give one (e.g. a tarball). */
export const FALLBACK_SEED = 0x5eed;

/** Where the seed came from, for the error message and the tests. */
export type SeedSource = 'env' | 'random' | 'commit' | 'fallback';

/**
 * The property tests' seed: LOSSKIT_SEED (an integer, or `random`), else the first 32 bits of
 * the commit `git rev-parse HEAD` names in `cwd`, else {@link FALLBACK_SEED}.
 */
export function propertySeed(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): { seed: number; source: SeedSource } {
  const given = env.LOSSKIT_SEED?.trim();
  if (given === 'random') return { seed: (Math.random() * 2 ** 32) | 0, source: 'random' };
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isSafeInteger(n)) {
      throw new TypeError(`propertySeed: LOSSKIT_SEED = '${given}' is not an integer or 'random'`);
    }
    return { seed: n | 0, source: 'env' };
  }
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) {
      return { seed: Number.parseInt(head.slice(0, 8), 16) | 0, source: 'commit' };
    }
  } catch {
    // no git, or not a repository: fall through
  }
  return { seed: FALLBACK_SEED, source: 'fallback' };
}

declare module 'vitest' {
  export interface ProvidedContext {
    propertySeed: number;
  }
}

/** The `test` options that give a project's property tests the run's seed. */
export function propertySeedOptions(): {
  provide: { propertySeed: number };
  setupFiles: string[];
} {
  return {
    provide: { propertySeed: propertySeed().seed },
    setupFiles: [fileURLToPath(new URL('./propertySeedSetup.ts', import.meta.url))],
  };
}
