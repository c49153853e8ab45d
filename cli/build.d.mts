/** Types of cli/build.mjs (plain JavaScript so that it runs before tsx is set up). */
export const OUT_DIR: string;
export const ENTRY_OUT: string;
/** Builds dist/cli/; resolves to the milliseconds it took. */
export function buildCli(): Promise<number>;
/** True when dist/cli/ is missing or older than a source file it was built from. */
export function isStale(): boolean;
export function ensureBuilt(): Promise<void>;
