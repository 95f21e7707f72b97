// The memory workload in a process of its own (see streamWorkloads.ts): prints its Result as JSON.
import { memoryRun } from './streamWorkloads.js';

const [workload, rows, batchRows] = process.argv.slice(2);
memoryRun(workload, Number(rows), Number(batchRows)).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
