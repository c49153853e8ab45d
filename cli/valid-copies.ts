/**
 * Which released journey copies the built CLI has already found valid, remembered across runs.
 *
 * `herald validate` checks every released copy of the journeys it is given (`versions/<id>/<n>.journey.json`)
 * against the folder's dictionary, as `cdk synth` will: about a third of its CPU for the three
 * reference journeys (bench/cli.bench.ts, issue 17). A released copy is never edited (the release
 * checks refuse an edit in place), so its verdict can only change with its text, the dictionary it is
 * checked against, or the validator itself. The key is the SHA-256 of all three: the copy's bytes,
 * the dictionary as JSON, and the build's identity (dist/cli/inputs.json `builtAt`: any change to a
 * source file rebuilds the CLI, cli/build.mjs). Only a valid verdict is kept: an invalid copy is
 * validated again each time, so its problems are always reported in full.
 *
 * Stored in node_modules/.cache/herald/ (the usual place for a tool's cache; `npm ci` clears it).
 * `HERALD_NO_CACHE=1` turns it off. Anything wrong with the file (missing, garbled, unwritable) just
 * means no cache: the copies are validated.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Vocabulary } from '../engine/vocabulary.ts';
import type { KnownValidCopies } from '../infra/journeys.ts';

const FILE_VERSION = 1;
/** Enough for every released copy of a large workflows/ folder; the oldest go first beyond it. */
const MAX_ENTRIES = 2000;

/** The cache for this build, or undefined when not running the build (tsx, tests) or turned off. */
export function validCopiesCache(): FileValidCopies | undefined {
  if (process.env.HERALD_NO_CACHE) return undefined;
  // Set by cli/bin.js, the shipped entry, to the running build's manifest (cli/build.mjs).
  const manifest = (globalThis as Record<symbol, unknown>)[Symbol.for('herald.cliManifest')];
  if (typeof manifest !== 'string') return undefined;
  let builtAt: unknown;
  try {
    builtAt = JSON.parse(readFileSync(manifest, 'utf8')).builtAt;
  } catch {
    return undefined;
  }
  if (typeof builtAt !== 'number') return undefined;
  const root = path.dirname(path.dirname(path.dirname(manifest)));
  return new FileValidCopies(
    path.join(root, 'node_modules', '.cache', 'herald', 'valid-copies.json'),
    `build ${builtAt}`,
  );
}

export class FileValidCopies implements KnownValidCopies {
  private readonly keys: string[];
  private readonly known: Set<string>;
  private changed = false;

  constructor(
    private readonly file: string,
    /** What identifies the validator's code: a different one starts an empty cache. */
    private readonly build: string,
  ) {
    this.keys = readKeys(file, build);
    this.known = new Set(this.keys);
  }

  isValid(text: string, vocabulary: Vocabulary): boolean {
    return this.known.has(this.key(text, vocabulary));
  }

  rememberValid(text: string, vocabulary: Vocabulary): void {
    const key = this.key(text, vocabulary);
    if (this.known.has(key)) return;
    this.known.add(key);
    this.keys.push(key);
    this.changed = true;
  }

  /** Writes the file if anything was added: whole, then renamed into place (concurrent runs are safe). */
  save(): void {
    if (!this.changed) return;
    const keys = this.keys.slice(-MAX_ENTRIES);
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ version: FILE_VERSION, build: this.build, keys })}\n`);
      renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      // A read-only or missing node_modules: the next run validates the copies again.
    }
  }

  private key(text: string, vocabulary: Vocabulary): string {
    return createHash('sha256')
      .update(this.build)
      .update('\0')
      .update(JSON.stringify(vocabulary.dictionary))
      .update('\0')
      .update(text)
      .digest('hex');
  }
}

function readKeys(file: string, build: string): string[] {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      version?: unknown;
      build?: unknown;
      keys?: unknown;
    };
    if (stored.version !== FILE_VERSION || stored.build !== build || !Array.isArray(stored.keys)) return [];
    return stored.keys.filter((k): k is string => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k));
  } catch {
    return [];
  }
}
