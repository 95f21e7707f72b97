import { defineConfig } from 'vitest/config';

// One vitest run over every workspace project; each package also runs its own
// project through turbo (`pnpm test`).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/*'],
  },
});
