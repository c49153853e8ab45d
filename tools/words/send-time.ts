/**
 * A `time: "best"` wait's choice in words (engine/policy/send-time.ts `SendTimeChoice`), for
 * `herald simulate` and the demo's report: "best email time 19:00 local, learned from 12 clicks and
 * 3 opens (weight 14.2, 2 needed), most between 19:00 and 20:00 local".
 */
import type { SendTimeChoice } from '../../engine/policy/send-time.ts';

export function sendTimeWords(choice: SendTimeChoice): string {
  const channel = choice.channel === 'sms' ? 'SMS' : choice.channel;
  const evidence = evidenceWords(choice);
  switch (choice.rule) {
    case 'learned':
      return `best ${channel} time ${choice.localTime} local, learned from ${evidence}`;
    case 'explore':
      return `exploring ${choice.localTime} local for ${channel} (a share of best-time waits tries another hour); evidence so far: ${evidence}`;
    case 'fallback':
      return choice.noAllowedTime
        ? `fallback ${choice.localTime} local: no time in the window is outside ${channel}’s quiet hours`
        : `fallback ${choice.localTime} local for ${channel}: too little evidence yet (${evidence})`;
  }
}

function evidenceWords(choice: SendTimeChoice): string {
  const e = choice.evidence;
  const parts = [
    count(e.clicks, 'click'),
    count(e.replies, 'reply', 'replies'),
    count(e.conversions, 'conversion'),
    count(e.opens, 'open'),
  ].filter(Boolean);
  if (parts.length === 0) return `no engagement, ${choice.minEvidence} needed`;
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  const peak = choice.peakHour
    ? `, most between ${choice.peakHour} and ${nextHour(choice.peakHour)} local`
    : '';
  return `${list} (weight ${e.weight}, ${choice.minEvidence} needed)${peak}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return n > 0 ? `${n} ${n === 1 ? one : many}` : '';
}

function nextHour(hour: string): string {
  return `${String((Number(hour.slice(0, 2)) + 1) % 24).padStart(2, '0')}:00`;
}
