/** Writes the dashboard's assets into `outDir` (default: dist/public) and returns that folder. */
export function buildWeb(outDir?: string): Promise<string>;
