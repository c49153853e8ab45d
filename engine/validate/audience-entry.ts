/**
 * A journey's audience entry (engine/audience/): `entry.segment` with `entry.schedule` (and
 * optional `pacing`) instead of `entry.event`, or `entry.inSegment` beside an event. Checks the
 * combination, that the segments exist (with a did-you-mean) and that the schedule can run: a
 * cron EventBridge Scheduler takes, a zone that exists.
 */
import { scheduleProblems } from '../audience/schedule.ts';
import type { AudienceSchedule } from '../schema.ts';
import { isRecord, show } from './describe.ts';
import { duration } from './durations.ts';
import { didYouMean, didYouMeanText, listOf } from './suggest.ts';
import type { Finding } from './types.ts';

export function checkAudienceEntry(
  journey: Record<string, unknown>,
  segments: ReadonlySet<string> | undefined,
): Finding[] {
  const out: Finding[] = [];
  const entry = isRecord(journey.entry) ? journey.entry : undefined;
  if (!entry) return out;
  const has = (key: string) => entry[key] !== undefined;
  if (!has('event') && !has('segment')) {
    out.push({
      code: 'entry.no-trigger',
      path: ['entry'],
      message:
        'the entry says neither which event starts the journey (`event`) nor which segment enters it (`segment`)',
      suggestion:
        'add `"event": "signed_up"`, or `"segment": "<id>"` with a `"schedule"` for an audience journey',
    });
  }
  if (has('event') && has('segment')) {
    out.push({
      code: 'entry.event-and-segment',
      path: ['entry', 'segment'],
      atKey: true,
      message: 'a journey is entered by an event or by a segment on a schedule, not both',
      suggestion:
        'to start on the event only for segment members, write `"inSegment"` instead of `"segment"`',
    });
  }
  if (has('segment') && !has('schedule')) {
    out.push({
      code: 'entry.segment-without-schedule',
      path: ['entry', 'segment'],
      atKey: true,
      message: 'an audience journey needs a `schedule`: when its segment enters',
      suggestion:
        'add `"schedule": { "at": "2026-05-01T09:00", "zone": "customer" }` or `{ "cron": "0 9 * * MON", "zone": "UTC" }`',
    });
  }
  for (const key of ['schedule', 'pacing'] as const) {
    if (has(key) && !has('segment')) {
      out.push({
        code: `entry.${key}-without-segment`,
        path: ['entry', key],
        atKey: true,
        message: `\`${key}\` belongs to an audience journey (one with \`segment\`); this one starts on an event`,
        suggestion: `add \`"segment"\` instead of \`"event"\`, or remove \`${key}\``,
      });
    }
  }
  if (has('segment')) {
    for (const key of ['inSegment', 'forEachItem', 'condition'] as const) {
      if (!has(key)) continue;
      out.push({
        code: `entry.audience-${key === 'inSegment' ? 'in-segment' : key === 'forEachItem' ? 'for-each-item' : 'condition'}`,
        path: ['entry', key],
        atKey: true,
        message: `\`${key}\` applies to event entry; an audience journey's segment says who enters`,
        suggestion: key === 'condition' ? 'move the condition into the segment' : `remove \`${key}\``,
      });
    }
  }
  for (const key of ['segment', 'inSegment'] as const) {
    const id = entry[key];
    if (typeof id !== 'string' || segments === undefined || segments.has(id)) continue;
    const known = [...segments].sort();
    const guess = didYouMean(id, known);
    out.push({
      code: 'entry.unknown-segment',
      path: ['entry', key],
      message: `unknown segment ${show(id)}${didYouMeanText(guess)}${known.length ? `; the segments are ${listOf(known)}` : ''}`,
      suggestion: guess
        ? `use \`${guess}\``
        : `add workflows/segments/${id}.segment.json, or name one of the segments there`,
    });
  }
  const schedule = entry.schedule;
  if (isRecord(schedule) && typeof schedule.zone === 'string') {
    for (const p of scheduleProblems(schedule as AudienceSchedule)) {
      out.push({
        code: p.code,
        path: ['entry', 'schedule', ...p.path],
        message: p.message,
        suggestion: p.suggestion,
      });
    }
  }
  const pacing = entry.pacing;
  if (isRecord(pacing) && pacing.endBy !== undefined)
    duration(pacing.endBy, ['entry', 'pacing', 'endBy'], false, out);
  return out;
}
