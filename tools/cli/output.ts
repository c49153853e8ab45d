/**
 * What the tools' commands share: turning a ToolInputError into the validator's problem list on
 * stderr with exit code 1 (never a stack trace for a marketer's mistake), and writing output files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ToolInputError } from '../load.ts';

/** Runs a command body; input mistakes print as problems and set exit code 1. */
export async function runTool(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof ToolInputError)) throw err;
    process.stderr.write(`✗ ${err.message}\n`);
    process.exitCode = 1;
  }
}

export function writeOutput(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
