/**
 * Enrolling 5M customers in each execution mode, against the documented default quotas
 * (bench/quotas.json): `npx tsx bench/enrolment.bench.ts [--customers 5000000] [--calls calls.json]`.
 *
 * What one enrolment calls comes from `--calls` (a JSON `{ standard: EnrolmentCalls, scale:
 * EnrolmentCalls }`, e.g. counted by bench/scale.bench.ts in a local run), else from the defaults
 * below, read off the compiled replenishment journey and the scale-mode contract (§3, §5): Standard
 * enters 3 states before its first Wait; scale mode writes the run item, a due-index entry at entry
 * and at arm, and the armed run item (≤ 1 KB each, 1 WRU), and calls ingest and the step Lambda once.
 */
import { readFileSync } from 'node:fs';
import { type EnrolmentCalls, type EnrolmentResult, enrolmentTime } from './enrolment.ts';

const DEFAULT_CALLS: { standard: EnrolmentCalls; scale: EnrolmentCalls } = {
  standard: {
    startExecutions: 1,
    stateTransitions: 3,
    createSchedules: 0,
    writeUnits: 2,
    lambdaInvocations: 2,
    lambdaMeanMs: 40,
  },
  scale: {
    startExecutions: 1,
    stateTransitions: 0,
    createSchedules: 1,
    writeUnits: 4,
    lambdaInvocations: 2,
    lambdaMeanMs: 40,
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const customers = Number(arg('customers') ?? 5_000_000);
const callsFile = arg('calls');
const calls = callsFile
  ? (JSON.parse(readFileSync(callsFile, 'utf8')) as typeof DEFAULT_CALLS)
  : DEFAULT_CALLS;

const hours = (s: number) => `${(s / 3600).toFixed(2)} h (${Math.round(s).toLocaleString('en-US')} s)`;
const rate = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')}/s` : 'no limit');

function print(label: string, r: EnrolmentResult): void {
  process.stdout.write(`\n${label}: ${customers.toLocaleString('en-US')} customers\n`);
  for (const l of r.limits) process.stdout.write(`  ${l.name.padEnd(40)} ${rate(l.perSecond)}\n`);
  process.stdout.write(`  binding: ${r.binding.name} → ${hours(r.seconds)}\n`);
  if (r.waitingCeiling) {
    const fits = customers <= r.waitingCeiling.customers;
    process.stdout.write(
      `  waiting at once: ${customers.toLocaleString('en-US')} vs ${r.waitingCeiling.quota} ${r.waitingCeiling.customers.toLocaleString('en-US')} → ${fits ? 'fits' : 'REFUSED beyond the quota'}\n`,
    );
  }
  if (r.lastFireLateSeconds !== undefined) {
    process.stdout.write(
      `  timers due at the enrolment rate fire at ≤ ${rate(r.onTimeRatePerSecond ?? 0)} (invocation throttle): last one ${Math.round(r.lastFireLateSeconds).toLocaleString('en-US')} s late\n`,
    );
  }
}

process.stdout.write(`calls per enrolment: ${callsFile ?? 'defaults (bench/enrolment.bench.ts)'}\n`);
print('Standard', enrolmentTime({ mode: 'standard', customers, calls: calls.standard }));
print('Scale', enrolmentTime({ mode: 'scale', customers, calls: calls.scale }));
print(
  'Scale, table already at 40,000 WRU/s',
  enrolmentTime({ mode: 'scale', customers, calls: calls.scale, warmTable: true }),
);
print(
  'Scale, CreateSchedule at 1,000/s (older quota figure)',
  enrolmentTime({ mode: 'scale', customers, calls: calls.scale, conservativeCreateSchedule: true }),
);
