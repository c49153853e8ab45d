import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatProblems,
  JourneyValidationError,
  loadJourneyOrThrow,
  type Problem,
  validateJourneyText,
  validateJourneyValue,
} from '../../engine/validate/index.ts';
import { buildVocabulary } from '../../engine/vocabulary.ts';

const FIXTURES = new URL('../fixtures/invalid/', import.meta.url);
const WORKFLOWS = new URL('../../workflows/', import.meta.url);

interface Case {
  file: string;
  code: string;
  path: string;
  defect: string;
  /** The fix the problem must offer, where the fixture is about the fix. */
  suggestion?: string;
  /** `warning` for what a sender is bound by but may still deploy (default: `error`). */
  severity?: 'error' | 'warning';
}
const corpus = JSON.parse(readFileSync(new URL('index.json', FIXTURES), 'utf8')) as Case[];
const baseText = readFileSync(new URL('base.valid.json', FIXTURES), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: tests reach into journeys freely to plant one defect each
type Loose = Record<string, any>;
const base = () => JSON.parse(baseText) as Loose;

const errorsOf = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');
const find = (problems: Problem[], code: string, path?: string) =>
  problems.find((p) => p.code === code && (path === undefined || p.path === path));

describe('invalid journey corpus', () => {
  it('holds at least 45 fixtures, each listed once in the index', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.journey.json'));
    expect(corpus.length).toBeGreaterThanOrEqual(45);
    expect(new Set(corpus.map((c) => c.file))).toEqual(new Set(files));
  });

  it.each(corpus)('$file is reported with $code at $path ($defect)', (row) => {
    const { file, code, path, suggestion, severity = 'error' } = row;
    const text = readFileSync(new URL(file, FIXTURES), 'utf8');
    const result = validateJourneyText(text, `test/fixtures/invalid/${file}`);
    // A warning alone lets the journey through; an error never does.
    if (severity === 'error') expect(result.journey).toBeUndefined();
    else expect(errorsOf(result.problems), formatProblems(result.problems)).toEqual([]);
    const problem = find(result.problems, code, path);
    expect(problem, formatProblems(result.problems)).toBeDefined();
    expect(problem!.severity).toBe(severity);
    expect(problem!.file).toBe(`test/fixtures/invalid/${file}`);
    expect(problem!.line).toBeGreaterThanOrEqual(1);
    expect(problem!.column).toBeGreaterThanOrEqual(1);
    expect(problem!.message.length).toBeGreaterThan(10);
    if (suggestion !== undefined) expect(problem!.suggestion).toBe(suggestion);
    expect(result.problems.some((p) => p.code === 'validator.internal-error')).toBe(false);
  });
});

describe('valid journeys', () => {
  it('accepts the minimal fixture journey and returns it', () => {
    const result = validateJourneyText(baseText, 'base.valid.json');
    expect(result.problems).toEqual([]);
    expect(result.journey?.id).toBe('fixture-welcome');
  });

  const references = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.journey.json'));
  it.each(references)('accepts the reference journey workflows/%s with no errors', (file) => {
    const result = validateJourneyText(readFileSync(new URL(file, WORKFLOWS), 'utf8'), `workflows/${file}`);
    expect(errorsOf(result.problems), formatProblems(result.problems)).toEqual([]);
    expect(result.journey).toBeDefined();
  });

  it('lets warnings through: an unused message does not make the journey invalid', () => {
    const journey = base();
    journey.messages.spare = journey.messages.nudge;
    const result = validateJourneyValue(journey, 'spare.json');
    expect(result.journey).toBeDefined();
    expect(find(result.problems, 'message.unused', '/messages/spare')?.severity).toBe('warning');
  });

  it('accepts a signed offset, `addDaysFrom` and product fields in a per-item journey', () => {
    const journey = base();
    journey.entry = {
      event: 'order_placed',
      forEachItem: { where: { field: 'product.replenishmentDays', op: 'exists' } },
      reentry: { mode: 'always' },
    };
    journey.exit = [{ event: 'order_placed', sameProduct: true }];
    journey.steps['wait-2-days'] = {
      type: 'wait',
      until: {
        date: 'event.time',
        addDaysFrom: 'product.replenishmentDays',
        offset: '-P3D',
        localTime: '10:00',
      },
      next: 'has-ordered',
    };
    journey.messages.nudge.locales.en.sms.body = 'Time to restock {{ product.name }}: {{ product.url }}';
    const result = validateJourneyValue(journey, 'per-item.json');
    expect(errorsOf(result.problems), formatProblems(result.problems)).toEqual([]);
  });

  it('refuses an update of an attribute the data dictionary does not declare, and accepts it once declared', () => {
    const journey = base();
    journey.steps['send-nudge'].next = 'mark';
    journey.steps.mark = { type: 'update', attribute: 'nudged', value: true, next: 'done' };
    journey.messages.nudge.locales.en.sms.body = '{% if profile.attributes.nudged %}again{% endif %}';
    const undeclared = find(
      validateJourneyValue(journey, 'update.json').problems,
      'update.undeclared-attribute',
    );
    expect(undeclared?.suggestion).toContain('declare `nudged` in workflows/data.json under attributes');
    const { vocabulary } = buildVocabulary({ attributes: { nudged: { type: 'boolean' } } });
    expect(errorsOf(validateJourneyValue(journey, 'update.json', { vocabulary }).problems)).toEqual([]);
  });

  it('accepts loop variables, assignments and array helpers in templates', () => {
    const journey = base();
    journey.entry.event = 'cart_updated';
    journey.entry.condition = { field: 'event.properties.items', op: 'exists' };
    journey.messages.nudge.locales.en.email.html =
      '{% assign n = event.properties.items.size %}{% for item in event.properties.items %}{{ item.productId }} x{{ item.quantity }} {{ forloop.index }}{% endfor %}{{ n }} {{ event.properties.items.first.productId }} {{ event.properties.cartUrl }}';
    expect(errorsOf(validateJourneyValue(journey, 'loop.json').problems)).toEqual([]);
  });

  it('warns when a loop that waits has no way out', () => {
    const journey = base();
    journey.steps['send-welcome'].next = 'wait-2-days';
    journey.steps['wait-2-days'].next = 'send-welcome';
    const result = validateJourneyValue(journey, 'endless.json');
    expect(find(result.problems, 'step.endless-loop', '/steps/send-welcome')?.severity).toBe('warning');
    expect(find(result.problems, 'step.cycle-without-wait')).toBeUndefined();
  });

  it('rejects a loop of waits and updates that nothing can end, even when other paths reach an exit', () => {
    const journey = base();
    journey.steps['send-nudge'].next = 'wait-a-week';
    journey.steps['wait-a-week'] = { type: 'wait', duration: 'P7D', next: 'mark' };
    journey.steps.mark = { type: 'update', attribute: 'nudged', value: true, next: 'wait-a-week' };
    const result = validateJourneyValue(journey, 'trap.json');
    expect(result.journey).toBeUndefined();
    const problem = find(result.problems, 'step.never-ends', '/steps/mark');
    expect(problem?.severity).toBe('error');
    expect(problem?.message).toContain('`mark` → `wait-a-week` → `mark`');
    expect(problem?.suggestion).toContain('exit');
    expect(find(result.problems, 'step.endless-loop')).toBeUndefined();
  });

  it('rejects a journey where a branch with a single way on is the only way out of a wait loop', () => {
    const journey = base();
    journey.steps['send-welcome'].next = 'wait-2-days';
    journey.steps['has-ordered'].branches[0].next = 'wait-2-days';
    journey.steps['has-ordered'].otherwise = 'wait-2-days';
    const result = validateJourneyValue(journey, 'one-way.json');
    expect(find(result.problems, 'step.never-ends', '/steps/has-ordered')?.severity).toBe('error');
  });

  it('keeps a loop with a send in it a warning: the send ends the run on an exit event or the goal', () => {
    const journey = base();
    journey.steps['send-nudge'].next = 'wait-a-week';
    journey.steps['wait-a-week'] = { type: 'wait', duration: 'P7D', next: 'send-nudge' };
    const result = validateJourneyValue(journey, 'send-loop.json');
    expect(find(result.problems, 'step.never-ends')).toBeUndefined();
    expect(find(result.problems, 'step.endless-loop', '/steps/send-nudge')?.severity).toBe('warning');
  });

  it('accepts a loop that waits (a deferral loop)', () => {
    const journey = base();
    journey.steps['send-nudge'].next = 'wait-2-days';
    const result = validateJourneyValue(journey, 'loop.json');
    expect(find(result.problems, 'step.cycle-without-wait')).toBeUndefined();
  });
});

describe('messages a marketer can act on', () => {
  const problemsFor = (mutate: (j: Loose) => void) => {
    const journey = base();
    mutate(journey);
    return validateJourneyValue(journey, 'j.json').problems;
  };

  it('suggests the channel a typo was meant to be', () => {
    const [problem] = problemsFor((j) => {
      j.steps['send-nudge'].channels = ['emial'];
    });
    expect(problem?.message).toContain('unknown channel `emial`');
    expect(problem?.message).toContain('did you mean `email`?');
    expect(problem?.suggestion).toBe('use `email`');
  });

  it('reports a misspelt step type once, with the closest type, instead of one error per step kind', () => {
    const problems = problemsFor((j) => {
      j.steps.done = { type: 'exti' };
    });
    expect(errorsOf(problems)).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'step.unknown-type', path: '/steps/done/type' });
    expect(problems[0]?.message).toContain('did you mean `exit`?');
  });

  it('explains an error inside a send step by the send step’s own rules', () => {
    const problems = problemsFor((j) => {
      j.steps['send-nudge'].nxt = 'done';
      delete j.steps['send-nudge'].next;
    });
    expect(problems.map((p) => p.code).sort()).toEqual([
      'schema.missing-property',
      'schema.unknown-property',
    ]);
    expect(find(problems, 'schema.unknown-property')?.message).toContain('did you mean `next`?');
  });

  it('reaches into nested conditions for the plausible branch', () => {
    const problems = problemsFor((j) => {
      j.entry.condition = { all: [{ not: { field: 'profile.country', op: 'equal', value: 'GB' } }] };
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'schema.unknown-value',
      path: '/entry/condition/all/0/not/op',
    });
    expect(problems[0]?.message).toContain('did you mean `eq`?');
  });

  it('suggests the declared field closest to a misspelt template variable', () => {
    const problems = problemsFor((j) => {
      j.messages.welcome.locales.en.push.body = 'Hi {{ profile.fristName }}';
    });
    expect(problems[0]?.suggestion).toBe('use `profile.firstName`');
  });

  it('points `event.total` to `event.properties.total`', () => {
    const problems = problemsFor((j) => {
      j.entry.event = 'order_placed';
      j.messages.welcome.locales.en.push.body = 'Your order of {{ event.total }}';
    });
    expect(find(problems, 'template.unknown-variable')?.suggestion).toBe('use `event.properties.total`');
  });

  it('rewrites everyday durations as ISO 8601', () => {
    const cases: [string, string][] = [
      ['2 days', 'P2D'],
      ['1h', 'PT1H'],
      ['30 minutes', 'PT30M'],
      ['P1H', 'PT1H'],
      ['PT2D', 'P2D'],
      ['p3d', 'P3D'],
    ];
    for (const [written, meant] of cases) {
      const problems = problemsFor((j) => {
        j.steps['wait-2-days'].duration = written;
      });
      expect(find(problems, 'duration.invalid')?.suggestion, written).toBe(`use \`${meant}\``);
    }
  });

  it('knows the step kinds of other tools by their names', () => {
    const problems = problemsFor((j) => {
      j.steps['wait-2-days'].type = 'delay';
    });
    expect(problems[0]).toMatchObject({ code: 'step.unknown-type', suggestion: 'use `wait`' });
  });

  it('shows how to write a value of the wrong kind', () => {
    const cases: [(j: Loose) => void, string][] = [
      [
        (j) => {
          j.steps['send-nudge'].channels = 'email';
        },
        'write a list: `["email"]`',
      ],
      [
        (j) => {
          j.steps['wait-2-days'].until = '10:00';
        },
        'write `{ "localTime": "10:00" }`',
      ],
      [
        (j) => {
          j.holdout = { percent: '10%' };
        },
        'write `10` without quotes',
      ],
    ];
    for (const [mutate, suggestion] of cases) {
      expect(problemsFor(mutate)[0]).toMatchObject({ code: 'schema.wrong-type', suggestion });
    }
  });

  it('names a dangling step reference and the step it probably meant', () => {
    const problems = problemsFor((j) => {
      j.steps['wait-2-days'].next = 'has-orderd';
    });
    expect(problems).toHaveLength(1); // the typo does not also make later steps "unreachable"
    expect(problems[0]?.message).toBe(
      'step `wait-2-days` goes to `has-orderd`, but there is no step called `has-orderd` — did you mean `has-ordered`?',
    );
  });

  it('reports every problem of a file at once', () => {
    const problems = problemsFor((j) => {
      j.defaultTimeZone = 'Mars/Olympus';
      j.steps['send-nudge'].channels = ['emial'];
      j.steps['wait-2-days'].duration = 'two days';
      j.messages.nudge.locales.en.sms.body = '{{ profile.frstName }';
    });
    expect(problems.map((p) => p.code).sort()).toEqual([
      'duration.invalid',
      'schema.unknown-value',
      'template.syntax-error',
      'timezone.unknown',
    ]);
  });
});

describe('locations', () => {
  it('gives the line and column of the offending value', () => {
    const text = baseText.replace('"duration": "P2D"', '"duration": "2 days"');
    const problem = find(validateJourneyText(text, 'x.json').problems, 'duration.invalid')!;
    const line = text.split('\n')[problem.line - 1]!;
    expect(line.slice(problem.column - 1)).toMatch(/^"2 days"/);
  });

  it('points an unknown property at its name', () => {
    const text = baseText.replace('"priority": 50,', '"priority": 50,\n  "prority": 1,');
    const problem = find(validateJourneyText(text, 'x.json').problems, 'schema.unknown-property')!;
    expect(problem).toMatchObject({ path: '/prority', line: 7, column: 3 });
  });

  it('points a template error at the character inside the JSON string, escapes included', () => {
    const text = baseText.replace('"Hi {{ profile.firstName }}"', '"Hi \\"there\\"\\n{{ profile.lastNme }}"');
    const problem = find(validateJourneyText(text, 'x.json').problems, 'template.unknown-variable')!;
    const line = text.split('\n')[problem.line - 1]!;
    expect(line.slice(problem.column - 1)).toMatch(/^profile\.lastNme/);
  });

  it('points a JSON syntax error at where the parser stopped', () => {
    const text = '{\n  "id": "x",\n  "version" 1\n}';
    const [problem] = validateJourneyText(text, 'x.json').problems;
    expect(problem).toMatchObject({ code: 'json.syntax', line: 3, column: 13 });
  });

  it('finds duplicate step ids that JSON.parse would silently merge', () => {
    const text = baseText.replace(
      '"done": { "type": "exit" }',
      '"done": { "type": "exit" },\n    "done": { "type": "exit", "reason": "twice" }',
    );
    const problem = find(validateJourneyText(text, 'x.json').problems, 'step.duplicate-id');
    expect(problem).toMatchObject({ path: '/steps/done' });
  });
});

describe('loadJourneyOrThrow', () => {
  it('returns the journey when it is valid', () => {
    expect(loadJourneyOrThrow(baseText, 'ok.json').start).toBe('send-welcome');
  });

  it('throws a typed error listing every error', () => {
    const text = baseText.replace('"Europe/London"', '"Europe/Lodnon"').replace('"P7D"', '"7d"');
    let caught: unknown;
    try {
      loadJourneyOrThrow(text, 'bad.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JourneyValidationError);
    const error = caught as JourneyValidationError;
    expect(error).toMatchObject({
      name: 'JourneyValidationError',
      code: 'journey.invalid',
      file: 'bad.json',
    });
    expect(error.problems.map((p) => p.code).sort()).toEqual(['duration.invalid', 'timezone.unknown']);
    expect(error.message).toContain('bad.json:8:');
    expect(error.message).toContain('Europe/Lodnon');
  });
});

describe('hostile input', () => {
  it('refuses absurdly deep nesting instead of overflowing the stack', () => {
    const result = validateJourneyText('['.repeat(50_000) + ']'.repeat(50_000), 'deep.json');
    expect(result.problems).toMatchObject([{ code: 'json.too-deep', line: 1, column: 101 }]);
  });

  it('reads a file that starts with a byte-order mark', () => {
    const result = validateJourneyText(`\uFEFF${baseText}`, 'bom.json');
    expect(result.problems).toEqual([]);
  });

  it('reports `__proto__` as an unknown property rather than obeying it', () => {
    const text = baseText.replace('"id":', '"__proto__": { "id": "evil" },\n  "id":');
    const result = validateJourneyText(text, 'proto.json');
    expect(find(result.problems, 'schema.unknown-property', '/__proto__')).toBeDefined();
    expect(result.journey).toBeUndefined();
  });
});
