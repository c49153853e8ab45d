/**
 * "A duration the validator accepts compiles and behaves as written": durations are generated part
 * by part — negative and mixed-sign parts, zeros, fractions, a sign in front, a `T` with nothing
 * after it, lower case, commas, spaces — and put in every duration slot of a journey. Whenever
 * the validator accepts the journey, the compiler must take it and read every part as written:
 * a `wait` waits Σ parts, a wait-for-event times out after Σ parts (never 0), an `until.offset`
 * moves the date by ± Σ parts at run time, and a goal window lasts Σ parts.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Duration } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { AslTaskState, AslWaitState } from '../../engine/compile/asl.ts';
import { compileJourney } from '../../engine/compile/index.ts';
import { parseSignedDuration } from '../../engine/policy/time.ts';
import type { Journey } from '../../engine/schema.ts';
import { formatProblems, type Problem, validateJourneyValue } from '../../engine/validate/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: journeys are built as loose JSON here
type Loose = Record<string, any>;

const base = JSON.parse(
  readFileSync(new URL('../fixtures/invalid/base.valid.json', import.meta.url), 'utf8'),
) as Loose;

/** luxon's (and the compiler's) fixed lengths; years and months only matter for timeouts and windows. */
const DATE_UNITS = [
  ['Y', 365 * 86_400],
  ['M', 30 * 86_400],
  ['W', 7 * 86_400],
  ['D', 86_400],
] as const;
const TIME_UNITS = [
  ['H', 3_600],
  ['M', 60],
  ['S', 1],
] as const;

interface Written {
  text: string;
  /** Σ value × unit, in seconds, reading each part as written. */
  seconds: number;
  /** Any part written with a minus sign. */
  negativePart: boolean;
  sign: '' | '-' | '+';
  calendar: boolean;
}

const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 90 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -30, max: -1 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 1.5, 2.25) },
);
/** Most parts absent, as in real durations (`P2D`, `PT1H30M`). */
const partArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: valueArb },
);
const partsArb = (n: number) => fc.array(partArb, { minLength: n, maxLength: n });
/** Rare slips: percent chance out of 100. */
const slipArb = fc.integer({ min: 0, max: 99 });

const writtenArb: fc.Arbitrary<Written> = fc
  .record({
    sign: fc.constantFrom<Written['sign']>('', '', '', '', '-', '+'),
    date: partsArb(DATE_UNITS.length),
    time: partsArb(TIME_UNITS.length),
    /** Write `T` even when no time part follows (`P1DT`). */
    forceT: fc.boolean(),
    lower: slipArb,
    comma: slipArb,
    space: slipArb,
  })
  .map(({ sign, date, time, forceT, lower, comma, space }) => {
    let seconds = 0;
    let negativePart = false;
    const write = (values: (number | undefined)[], units: readonly (readonly [string, number])[]) =>
      values
        .map((v, i) => {
          if (v === undefined) return '';
          const [unit, length] = units[i]!;
          seconds += v * length;
          if (v < 0) negativePart = true;
          return `${v}${unit}`;
        })
        .join('');
    const datePart = write(date, DATE_UNITS);
    const timePart = write(time, TIME_UNITS);
    let text = `${sign}P${datePart}${timePart || forceT ? 'T' : ''}${timePart}`;
    if (lower < 8) text = text.toLowerCase();
    if (comma < 8) text = text.replace('.', ',');
    if (space < 5) text = ` ${text}`;
    const calendar = date[0] !== undefined || date[1] !== undefined;
    return { text, seconds, negativePart, sign, calendar };
  });

/** The odd forms people write, always in the mix. */
const ODD_FORMS = [
  'P0D',
  'PT0S',
  'P1W',
  'PT1.5H',
  'P1Y2M',
  'p1d',
  '-P1D',
  'P1DT',
  'P',
  'PT',
  'PT-5M',
  'PT1H-30M',
  '-PT-5M',
  'P1DT-1H',
  'PT1.5H30M',
  '+PT2H',
  'P1Y-12M',
  'PT0.0000001S',
];

type Slot = 'wait' | 'timeout' | 'offset' | 'within';
const SLOTS: Slot[] = ['wait', 'timeout', 'offset', 'within'];

/** The fixture with one fixed-duration wait, one wait-for-event and one wait on a date, `text` in `slot`. */
function journeyWith(slot: Slot, text: string): Loose {
  const j = structuredClone(base);
  j.steps['wait-2-days'] = { type: 'wait', duration: slot === 'wait' ? text : 'P2D', next: 'wait-order' };
  j.steps['send-welcome'].next = 'wait-2-days';
  j.steps['wait-order'] = {
    type: 'waitForEvent',
    event: 'order_placed',
    timeout: slot === 'timeout' ? text : 'P1D',
    onEvent: 'done',
    onTimeout: 'wait-date',
  };
  j.steps['wait-date'] = {
    type: 'wait',
    until: { date: 'event.time', offset: slot === 'offset' ? text : '-P1D' },
    next: 'has-ordered',
  };
  if (slot === 'within') j.goal.within = text;
  return j;
}

const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');

function checkSlot(slot: Slot, text: string, written: Written | undefined): boolean {
  const journey = journeyWith(slot, text);
  const result = validateJourneyValue(journey, 'generated.journey.json');
  if (errors(result.problems).length > 0) {
    expect(result.journey).toBeUndefined();
    return false;
  }
  let states: ReturnType<typeof compileJourney>['States'];
  try {
    states = compileJourney(result.journey as Journey).States;
  } catch (err) {
    throw new Error(
      `the validator accepted ${JSON.stringify(text)} in ${slot}, the compiler refuses it: ${(err as Error).message}\n${formatProblems(result.problems)}`,
    );
  }
  if (written === undefined) return true;
  // As written: no part counts backwards, and a sign only where the field is signed.
  expect(written.negativePart, text).toBe(false);
  if (slot !== 'offset') expect(written.sign, text).toBe('');
  const ms = Math.round(written.seconds * 1000);
  switch (slot) {
    case 'wait': {
      const wait = states['wait-2-days'] as AslWaitState;
      if (written.calendar) expect(wait.TimestampPath, text).toBe('$.result.until');
      else expect(wait.Seconds, text).toBe(Math.ceil(written.seconds));
      break;
    }
    case 'timeout': {
      const task = states['wait-order'] as AslTaskState;
      expect(task.TimeoutSeconds, text).toBe(Math.ceil(written.seconds));
      expect(written.seconds, `${text}: a zero timeout can never see its event`).toBeGreaterThan(0);
      break;
    }
    case 'offset':
      // `-PT0S` is zero, not minus zero.
      expect(parseSignedDuration(text)?.toMillis(), text).toBe(written.sign === '-' ? 0 - ms : ms);
      break;
    case 'within':
      // The run-time readers (goal attribution, `did … within`) use luxon on validated text.
      expect(Duration.fromISO(text).toMillis(), text).toBe(ms);
      break;
  }
  return true;
}

describe('a duration the validator accepts compiles and behaves as written', () => {
  it('holds for generated durations with signs, zeros, fractions and odd forms, in every slot', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(writtenArb, fc.constantFrom(...SLOTS), (written, slot) => {
        if (checkSlot(slot, written.text, written)) accepted++;
        else refused++;
      }),
      { numRuns: 500 },
    );
    // Both sides must be exercised, or the property proves nothing.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  it.each(SLOTS)('holds for the odd forms people write, in %s', (slot) => {
    for (const text of ODD_FORMS) checkSlot(slot, text, undefined);
  });

  it.each([
    ['PT-5M', 'PT5M'],
    ['PT1H-30M', 'PT30M'],
    ['P1DT', 'P1D'],
    ['PT1.5H30M', 'PT2H'],
    ['p1d', 'P1D'],
    ['+P1D', 'P1D'],
  ])('refuses the timeout %s and suggests %s', (text, fix) => {
    const problems = validateJourneyValue(journeyWith('timeout', text), 'j.json').problems;
    const problem = problems.find((p) => p.code === 'duration.invalid');
    expect(problem, formatProblems(problems)).toMatchObject({
      path: '/steps/wait-order/timeout',
      suggestion: `use \`${fix}\``,
    });
  });

  it('accepts zero waits (`P0D`, `PT0S`) but refuses a zero wait-for-event timeout', () => {
    for (const text of ['P0D', 'PT0S']) {
      expect(errors(validateJourneyValue(journeyWith('wait', text), 'j.json').problems)).toEqual([]);
      const problems = validateJourneyValue(journeyWith('timeout', text), 'j.json').problems;
      expect(errors(problems)).toMatchObject([
        { code: 'waitForEvent.zero-timeout', path: '/steps/wait-order/timeout' },
      ]);
      expect(problems[0]?.suggestion).toContain('PT1H');
    }
  });

  it('reads a signed offset with the sign in front only: `-P3D` is three days back, `P-3D` is refused', () => {
    expect(errors(validateJourneyValue(journeyWith('offset', '-P3D'), 'j.json').problems)).toEqual([]);
    expect(parseSignedDuration('-P3D')?.toMillis()).toBe(-3 * 86_400_000);
    const problems = validateJourneyValue(journeyWith('offset', 'P-3D'), 'j.json').problems;
    expect(problems.find((p) => p.code === 'duration.invalid')?.suggestion).toBe('use `-P3D`');
    expect(parseSignedDuration('P-3D')).toBeUndefined();
  });
});
