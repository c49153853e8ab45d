/** Types of cli/build.mjs (plain JavaScript so that it runs before tsx is set up). */
export const OUT_DIR: string;
export const ENTRY_OUT: string;
/** Builds dist/cli/; resolves to the milliseconds it took. */
export function buildCli(): Promise<number>;
/** True when dist/cli/ is missing or older than a source file it was built from. */
export function isStale(): boolean;
export function ensureBuilt(): Promise<void>;
/** dist/cli/inputs.json: when the build started, its project inputs, and per output chunk what it holds. */
export const MANIFEST: string;
export interface BuildManifest {
  builtAt: number;
  inputs: string[];
  chunks: Record<string, { imports: string[]; dynamicImports: string[]; sources: string[] }>;
}
