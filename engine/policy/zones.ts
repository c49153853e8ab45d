/**
 * Whether a string names a time zone: luxon's answer (`IANAZone.isValidZone`, which builds an
 * `Intl.DateTimeFormat`), asked at most once per name. The names the runtime lists
 * (`Intl.supportedValuesOf('timeZone')`) and `UTC`, which ECMA-402 requires every implementation
 * to accept, are valid without asking it: a process's first `Intl.DateTimeFormat` loads the ICU
 * locale data, tens of milliseconds of `herald validate`'s start-up for a policy in `UTC`
 * (issue 17). Names the list leaves out (aliases such as `Asia/Calcutta`, other spellings) still
 * get luxon's answer.
 */
import { IANAZone } from 'luxon';
import { boundedMemo } from './memo.ts';

let listed: ReadonlySet<string> | undefined;

/** Memoised: a few hundred names is more than the tz database has. */
const zoneValidity = /* @__PURE__ */ boundedMemo(1_024, (zone: string) => {
  listed ??= new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  return listed.has(zone) || IANAZone.isValidZone(zone);
});

export function isValidZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  // Only plausible names are kept (the longest tz name is about 30 characters).
  return zone.length <= 64 ? zoneValidity(zone) : IANAZone.isValidZone(zone);
}
