import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@losskit/source'] },
  ssr: { resolve: { conditions: ['@losskit/source'] } },
  test: { name: 'bench', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
