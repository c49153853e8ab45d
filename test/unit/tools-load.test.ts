import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerSimulate } from '../../cli/commands/simulate.ts';
import { buildVocabulary } from '../../engine/vocabulary.ts';
import {
  checkEventsBelongTo,
  loadEvents,
  loadJourney,
  loadPolicy,
  loadProfile,
  loadSent,
  ToolInputError,
} from '../../tools/load.ts';
import { cliSandbox, runCommand, written } from '../helpers/cli.ts';

const root = new URL('../../', import.meta.url).pathname;

function failure(fn: () => unknown): ToolInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ToolInputError) return err;
    throw err;
  }
  throw new Error('expected a ToolInputError');
}

describe('errors about the marketer’s files name the file, the JSON path and the line', () => {
  const sandbox = cliSandbox('herald-load-');
  const file = (name: string, text: string) => {
    const path = join(sandbox.dir, name);
    return writeFile(path, text).then(() => path);
  };

  it('finds a journey by id in workflows/, and says so when there is none', () => {
    expect(loadJourney('welcome', join(root, 'workflows')).journey.id).toBe('welcome');
    const err = failure(() => loadJourney('welcom', join(root, 'workflows')));
    expect(err.problems[0]?.code).toBe('journey.not-found');
    expect(err.message).toContain('welcom.journey.json');
  });

  it('reports an invalid journey with the validator’s problems', async () => {
    const path = await file('j.journey.json', '{ "id": "x", "version": 1 }');
    const err = failure(() => loadJourney(path));
    expect(err.code).toBe('journey.invalid');
    expect(err.problems.every((p) => p.file === path)).toBe(true);
    expect(err.message).toContain(`${path}:`);
  });

  it('points at a JSON syntax error in a profile', async () => {
    const path = await file('p.json', '{\n  "id": "c-1",\n  "firstName": "Ann",\n}\n');
    const err = failure(() => loadProfile(path));
    expect(err.problems[0]).toMatchObject({ file: path, code: 'json.syntax', line: 4 });
    expect(err.problems[0]?.message).toContain('trailing comma');
  });

  it('names the field of a profile that has the wrong shape', async () => {
    const path = await file(
      'p.json',
      JSON.stringify(
        { id: 'c-1', consent: { email: { status: 'yes', at: 'x', source: 'y' } }, preferredChannel: 'fax' },
        null,
        2,
      ),
    );
    const err = failure(() => loadProfile(path));
    const paths = err.problems.map((p) => p.path);
    expect(paths).toContain('/consent/email/status');
    expect(paths).toContain('/preferredChannel');
    const status = err.problems.find((p) => p.path === '/consent/email/status');
    expect(status?.line).toBe(5);
    expect(status?.message).toContain('`consent.email.status`');
  });

  it('checks a profile’s declared attributes against the data dictionary’s types', async () => {
    const { vocabulary } = buildVocabulary({
      attributes: { loyaltyTier: { type: 'enum', values: ['gold'] } },
    });
    const path = await file('p.json', JSON.stringify({ id: 'c-1', attributes: { loyaltyTier: 'platinum' } }));
    const err = failure(() => loadProfile(path, vocabulary));
    expect(err.problems.map((p) => p.path)).toEqual(['/attributes/loyaltyTier']);
    const fine = await file('q.json', JSON.stringify({ id: 'c-1', attributes: { loyaltyTier: 'gold' } }));
    expect(loadProfile(fine, vocabulary).attributes).toEqual({ loyaltyTier: 'gold' });
  });

  it('loads the journey’s folder data dictionary with it, and stops on an invalid one', async () => {
    const { dir } = sandbox;
    await writeFile(join(dir, 'data.json'), JSON.stringify({ attributes: { vip: { type: 'string' } } }));
    await writeFile(
      join(dir, 'w.journey.json'),
      await readFile(join(root, 'workflows/welcome.journey.json'), 'utf8'),
    );
    const err = failure(() => loadJourney(join(dir, 'w.journey.json')));
    expect(err.code).toBe('dictionary.invalid');
    expect(err.problems[0]).toMatchObject({ code: 'dictionary.redefines-built-in', path: '/attributes/vip' });
    await writeFile(join(dir, 'data.json'), JSON.stringify({ attributes: { tier: { type: 'string' } } }));
    expect(Object.keys(loadJourney(join(dir, 'w.journey.json')).vocabulary.attributes)).toContain('tier');
  });

  it('checks each scripted event against the published event schema, with a suggestion', async () => {
    const path = await file(
      'e.json',
      JSON.stringify(
        [
          { id: 'e1', type: 'order_placed', customerId: 'c-1', time: '2026-03-01T10:00:00Z', properties: {} },
          { id: 'e2', type: 'cart_update', customerId: 'c-1', time: '2026-03-01T10:00:00Z', properties: {} },
        ],
        null,
        2,
      ),
    );
    const err = failure(() => loadEvents(path));
    const unknown = err.problems.find((p) => p.path === '/1/type');
    expect(unknown?.message).toMatch(/^event 2: /);
    expect(unknown?.suggestion).toBe('did you mean `cart_updated`?');
    expect(err.problems.some((p) => p.path.startsWith('/0/properties'))).toBe(true);
  });

  it('refuses an event script that is not a list, and events of another customer', async () => {
    const path = await file('e.json', '{ "type": "order_placed" }');
    expect(failure(() => loadEvents(path)).problems[0]?.message).toContain('JSON list');
    const err = failure(() =>
      checkEventsBelongTo(
        'e.json',
        [
          {
            id: 'e',
            type: 'signed_up',
            customerId: 'someone-else',
            time: '2026-03-01T00:00:00Z',
            properties: {},
          },
        ],
        'c-1',
      ),
    );
    expect(err.problems[0]).toMatchObject({ path: '/0/customerId', suggestion: 'set "customerId": "c-1"' });
  });

  it('checks earlier messages and the policy file', async () => {
    const sent = await file(
      's.json',
      JSON.stringify([{ at: 'yesterday', channel: 'email', journeyId: 'w' }]),
    );
    expect(failure(() => loadSent(sent)).problems[0]?.path).toBe('/0/at');
    const policy = await file('policy.json', JSON.stringify({ caps: [{ id: 'x', limit: -1 }] }));
    expect(failure(() => loadPolicy(policy)).code).toBe('policy.invalid');
    expect(loadPolicy(undefined, join(root, 'workflows')).caps.map((c) => c.id)).toEqual([
      'marketing-7d',
      'sms-1d',
    ]);
  });

  it('exits 1 from `herald simulate` with the problem list, never a stack trace', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const profile = await file('p.json', '{ "id": 42 }');
    await runCommand(
      registerSimulate,
      'simulate',
      join(root, 'workflows/welcome.journey.json'),
      '--profile',
      profile,
    );
    const text = written(stderr);
    expect(text).toContain(`${profile}:1:`);
    expect(text).toContain('/id');
    expect(process.exitCode).toBe(1);
  });
});
