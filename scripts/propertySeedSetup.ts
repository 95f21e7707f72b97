// Runs in each test worker before its files (see propertySeed.ts): fast-check's global seed
// becomes the run's seed.
import fc from 'fast-check';
import { inject } from 'vitest';
import './propertySeed.js';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: inject('propertySeed') });
