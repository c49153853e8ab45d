/**
 * A seed list for test sends (`herald send-test … --to seeds.json`): the operator's own inboxes and
 * devices, `[{ "email"?, "phone"?, "pushToken"? }, …]`. Every problem is reported at once, naming the
 * entry by its JSON path (`/2/phone`) so the file can be fixed in one go.
 */
import type { PushToken } from './data.ts';

export interface Seed {
  email?: string;
  /** E.164. */
  phone?: string;
  pushToken?: PushToken;
}

export interface SeedProblem {
  path: string;
  code: 'seed_list.not_array' | 'seed_list.empty' | 'seed_list.entry' | 'seed_list.address';
  message: string;
  suggestion?: string;
}

export type SeedListResult = { ok: true; seeds: Seed[] } | { ok: false; problems: SeedProblem[] };

/** Seeds per test send: a test reaches people, not a list. */
export const MAX_SEEDS = 50;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const KEYS = new Set(['email', 'phone', 'pushToken']);

export function validateSeedList(value: unknown): SeedListResult {
  if (!Array.isArray(value)) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          code: 'seed_list.not_array',
          message: 'a seed list is a JSON array of { "email"?, "phone"?, "pushToken"? }',
        },
      ],
    };
  }
  if (value.length === 0 || value.length > MAX_SEEDS) {
    const message = `a seed list has 1 to ${MAX_SEEDS} entries; this one has ${value.length}`;
    return { ok: false, problems: [{ path: '', code: 'seed_list.empty', message }] };
  }
  const problems: SeedProblem[] = [];
  const seeds: Seed[] = [];
  value.forEach((entry, i) => {
    const at = `/${i}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push({ path: at, code: 'seed_list.entry', message: 'each entry is an object' });
      return;
    }
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e).filter((k) => !KEYS.has(k))) {
      problems.push({
        path: `${at}/${key}`,
        code: 'seed_list.entry',
        message: `unknown field \`${key}\``,
        suggestion: 'a seed has email, phone and/or pushToken',
      });
    }
    if (e.email === undefined && e.phone === undefined && e.pushToken === undefined) {
      problems.push({
        path: at,
        code: 'seed_list.entry',
        message: 'the entry has no email, phone or pushToken',
      });
    }
    const seed: Seed = {};
    if (e.email !== undefined) {
      if (typeof e.email === 'string' && EMAIL.test(e.email)) seed.email = e.email;
      else problems.push(address(`${at}/email`, 'is not an email address', 'e.g. "qa@yourcompany.com"'));
    }
    if (e.phone !== undefined) {
      if (typeof e.phone === 'string' && E164.test(e.phone)) seed.phone = e.phone;
      else problems.push(address(`${at}/phone`, 'is not an E.164 phone number', 'e.g. "+14155550123"'));
    }
    if (e.pushToken !== undefined) {
      const t = e.pushToken as Partial<PushToken> | null;
      if (
        typeof t === 'object' &&
        t !== null &&
        (t.platform === 'APNS' || t.platform === 'GCM') &&
        typeof t.token === 'string' &&
        t.token.length > 0
      )
        seed.pushToken = { platform: t.platform, token: t.token };
      else
        problems.push(
          address(`${at}/pushToken`, 'is not a push token', 'e.g. { "platform": "APNS", "token": "…" }'),
        );
    }
    seeds.push(seed);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, seeds };
}

function address(path: string, what: string, suggestion: string): SeedProblem {
  // The value itself is not repeated: it is an address (personal data stays out of output and logs).
  return { path, code: 'seed_list.address', message: `${path.split('/').pop()} ${what}`, suggestion };
}
