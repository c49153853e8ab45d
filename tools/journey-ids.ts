/**
 * What a `herald` command accepts where a journey goes: a file path, or the id of a journey in
 * `workflows/` (`welcome` → `workflows/welcome.journey.json`). An id that names no journey is a
 * problem that lists the journeys there and, when one is close, says which was meant.
 * Light on purpose (no validator, no schema): `herald validate` resolves its arguments with it.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../engine/validate/suggest.ts';
import type { Problem } from '../engine/validate/types.ts';

export const WORKFLOWS = 'workflows';
const SUFFIX = '.journey.json';

/** The ids of the journeys in a folder, by file name, sorted; none when the folder is missing. */
export function journeyIds(workflowsDir = WORKFLOWS): string[] {
  try {
    return readdirSync(workflowsDir)
      .filter((name) => name.endsWith(SUFFIX))
      .map((name) => name.slice(0, -SUFFIX.length))
      .sort();
  } catch {
    return [];
  }
}

/** An argument with no dot and no slash is meant as an id, not a file name. */
export function looksLikeId(arg: string): boolean {
  return !/[./\\]/.test(arg);
}

/** `welcome` → `workflows/welcome.journey.json` when no file of that name exists. */
export function resolveJourneyPath(arg: string, workflowsDir = WORKFLOWS): string {
  if (existsSync(arg)) return arg;
  const byId = path.join(workflowsDir, `${arg}${SUFFIX}`);
  return existsSync(byId) ? byId : arg;
}

export type JourneyArg = { ok: true; file: string } | { ok: false; problem: Problem };

/**
 * The file an argument names. A path is taken as given (reading it reports a missing file); an id
 * with no journey behind it is a `journey.not-found` problem.
 */
export function resolveJourneyArg(arg: string, workflowsDir = WORKFLOWS): JourneyArg {
  const file = resolveJourneyPath(arg, workflowsDir);
  if (existsSync(file) || !looksLikeId(arg)) return { ok: true, file };
  return { ok: false, problem: journeyNotFound(arg, workflowsDir) };
}

export function journeyNotFound(arg: string, workflowsDir = WORKFLOWS): Problem {
  const ids = journeyIds(workflowsDir);
  const known =
    ids.length === 0
      ? `there are no journeys in ${workflowsDir}/`
      : `the journeys in ${workflowsDir}/ are ${andList(ids.map((id) => `\`${id}\``))}`;
  const meant = didYouMean(arg, ids);
  return {
    file: arg,
    code: 'journey.not-found',
    path: '',
    line: 1,
    column: 1,
    message: `no journey file \`${arg}\` and no \`${path.join(workflowsDir, `${arg}${SUFFIX}`)}\`; ${known}`,
    severity: 'error',
    ...(meant === undefined ? {} : { suggestion: `did you mean \`${meant}\`?` }),
  };
}

function andList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
