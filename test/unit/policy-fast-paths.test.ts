/**
 * The decision path's caches and fast paths give exactly the answers of the slow code they stand
 * in for: memoised zone validity and phone normalisation, luxon-free UTC timestamps, and SMS
 * segment counting without grapheme splitting.
 */
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime, IANAZone } from 'luxon';
import { SegmentedMessage } from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../engine/policy/channels.ts';
import { DEFAULT_POLICY } from '../../engine/policy/config.ts';
import { instant } from '../../engine/policy/context.ts';
import { boundedMemo } from '../../engine/policy/memo.ts';
import { localMinute, quietHoursEnd } from '../../engine/policy/quiet-hours.ts';
import { localeChain } from '../../engine/policy/render.ts';
import { simpleSmsInfo, smsInfo } from '../../engine/policy/sms.ts';
import { customerZone, isValidZone } from '../../engine/policy/time.ts';

describe('boundedMemo', () => {
  it('computes once per key and drops the oldest entry when full', () => {
    const calls: number[] = [];
    const square = boundedMemo(2, (n: number) => {
      calls.push(n);
      return n * n;
    });
    expect([square(2), square(2), square(3)]).toEqual([4, 4, 9]);
    expect(calls).toEqual([2, 3]);
    square(4); // evicts 2
    expect(square.size).toBe(2);
    expect(square(3)).toBe(9);
    expect(calls).toEqual([2, 3, 4]);
    expect(square(2)).toBe(4);
    expect(calls).toEqual([2, 3, 4, 2]);
  });

  it('caches undefined results too', () => {
    let calls = 0;
    const nothing = boundedMemo(4, () => {
      calls++;
      return undefined;
    });
    nothing('a');
    nothing('a');
    expect(calls).toBe(1);
  });
});

describe('zone validity (memoised)', () => {
  it('still rejects an invalid zone after valid ones were cached, and the reverse', () => {
    expect(isValidZone('America/New_York')).toBe(true);
    expect(isValidZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidZone('America/New_York')).toBe(true);
    expect(isValidZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidZone('')).toBe(false);
    expect(isValidZone(undefined)).toBe(false);
    expect(isValidZone(42)).toBe(false);
  });

  it('agrees with luxon for every name, cached or not, long or short', () => {
    const names = [
      'Europe/Berlin',
      'Asia/Tehran',
      'UTC',
      'Etc/GMT+5',
      'europe/berlin',
      'Nowhere/City',
      'x'.repeat(80),
    ];
    for (const round of [1, 2]) {
      for (const name of names)
        expect([round, name, isValidZone(name)]).toEqual([round, name, IANAZone.isValidZone(name)]);
    }
  });

  it('falls back from a cached-invalid profile zone to the journey default, recording why', () => {
    for (let i = 0; i < 2; i++) {
      expect(
        customerZone({ timeZone: 'Not/AZone' }, { defaultTimeZone: 'Asia/Tehran' }, DEFAULT_POLICY),
      ).toEqual({
        zone: 'Asia/Tehran',
        fallbackReason: 'invalid_time_zone',
      });
    }
  });

  it('quiet hours treat an unknown zone as UTC whether or not it was seen before', () => {
    const night = new Date('2024-07-01T23:30:00Z'); // 23:30 UTC, 19:30 in New York
    const utc = quietHoursEnd('sms', 'UTC', night, DEFAULT_POLICY);
    expect(utc).toBeDefined();
    for (let i = 0; i < 2; i++) {
      expect(quietHoursEnd('sms', 'America/New_York', night, DEFAULT_POLICY)).toBeUndefined();
      expect(quietHoursEnd('sms', 'Bogus/Zone', night, DEFAULT_POLICY)).toEqual(utc);
    }
  });
});

describe('instant (UTC timestamps without luxon)', () => {
  const luxon = (iso: string) => {
    const parsed = DateTime.fromISO(iso, { zone: 'utc' });
    return parsed.isValid ? parsed.toMillis() : undefined;
  };
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));

  it('reads every Z timestamp, valid or out of range, exactly as luxon does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(25),
        two(60),
        two(60),
        fc.option(fc.stringMatching(/^[0-9]{1,3}$/), { nil: undefined }),
        (y, mo, d, h, mi, s, frac) => {
          const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === undefined ? '' : `.${frac}`}Z`;
          expect(instant(iso)).toBe(luxon(iso));
        },
      ),
      { numRuns: 3000 },
    );
  }, 30_000);

  it('agrees with luxon on near-miss strings (any character in any position)', () => {
    const base = '2024-02-29T23:59:59.123Z';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.constantFrom('0', '9', '-', ':', 'T', 'Z', '.', ' ', '/', 'a', '+'),
        fc.integer({ min: 20, max: base.length }),
        (at, ch, keep) => {
          const iso = `${(base.slice(0, at) + ch + base.slice(at + 1)).slice(0, keep - 1)}Z`;
          expect([iso, instant(iso)]).toEqual([iso, luxon(iso)]);
        },
      ),
      { numRuns: 3000 },
    );
  }, 30_000);

  it('leaves other forms to luxon', () => {
    for (const iso of [
      '2024-02-29T12:00:00Z',
      '2023-02-29T12:00:00Z',
      '2024-07-01',
      '2024-07-01T10:00:00+02:00',
      '2024-07-01T24:00:00Z',
      '2024-07-01T10:00:00.123456Z',
      '2024-07-01T10:00Z',
      '0099-01-01T00:00:00Z',
    ]) {
      expect([iso, instant(iso)]).toEqual([iso, luxon(iso)]);
    }
    expect(instant('yesterday')).toBeUndefined();
    expect(instant(20240701)).toBeUndefined();
  });
});

describe('phone normalisation (memoised)', () => {
  const direct = (value: string, region?: string) => {
    try {
      const parsed = region
        ? parsePhoneNumberFromString(value, region as Parameters<typeof parsePhoneNumberFromString>[1])
        : parsePhoneNumberFromString(value);
      return parsed?.isValid() ? parsed.number : undefined;
    } catch {
      return undefined;
    }
  };

  it('gives libphonenumber answers, asked twice, per country', () => {
    const cases: [string, string | undefined][] = [
      ['+14155552671', undefined],
      ['4155552671', 'US'],
      ['4155552671', 'us'],
      ['4155552671', undefined],
      ['4155552671', 'GB'],
      ['020 7946 0958', 'GB'],
      ['0912 345 6789', 'IR'],
      ['12', 'US'],
      ['US4155552671', undefined],
      ['|4155552671', 'US'],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [value, country] of cases) {
        expect([value, country, normalisePhone(value, country)]).toEqual([
          value,
          country,
          direct(value, country?.toUpperCase()),
        ]);
      }
    }
  });

  it('a number valid in one country is not taken as valid in another after caching', () => {
    expect(normalisePhone('4155552671', 'US')).toBe('+14155552671');
    expect(normalisePhone('4155552671', 'GB')).toBeUndefined();
    expect(normalisePhone('4155552671', 'US')).toBe('+14155552671');
  });
});

describe('SMS segments without grapheme splitting', () => {
  const library = (body: string) => {
    const m = new SegmentedMessage(body, 'auto');
    return {
      encoding: m.encodingName,
      segments: body.length === 0 ? 0 : m.segmentsCount,
      characters: m.numberOfCharacters,
    };
  };
  const pieces = [
    'a',
    'Z',
    '1',
    ' ',
    '.',
    '\n',
    '[',
    '~',
    '{',
    '\\',
    '`',
    '€',
    'é',
    '\r',
    '\r\n',
    'ب',
    'پ',
    'ی',
    'ـ',
    '۱',
    '٣',
    '٪',
    '،',
    '؟',
    '\u064b',
    '\u0651',
    '\u0670',
    '\u200c',
    '😀',
    'Ω',
  ];

  it('counts exactly as sms-segments-calculator for mixed text around every boundary', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...pieces.slice(0, 10), ...pieces.slice(15)),
        fc.array(fc.constantFrom(...pieces), { minLength: 0, maxLength: 480 }),
        fc.integer({ min: 0, max: 330 }),
        (filler, sprinkled, fillCount) => {
          const body = filler.repeat(fillCount) + sprinkled.join('');
          expect(smsInfo(body)).toEqual(library(body));
        },
      ),
      { numRuns: 500 },
    );
  }, 30_000);

  it('takes the fast path for English, Arabic and Persian copy and leaves emoji and CR to the library', () => {
    expect(simpleSmsInfo('Herald Shop: hello {name}! https://x.example/new STOP')).toBeDefined();
    expect(simpleSmsInfo('Herald Shop: أهلاً بك! پرفروش‌ترین‌ها ۱۰٪')).toBeDefined();
    expect(simpleSmsInfo('hi 😀')).toBeUndefined();
    expect(simpleSmsInfo('line\r\nbreak')).toBeUndefined();
    for (const body of [
      'a'.repeat(160),
      'a'.repeat(161),
      `${'a'.repeat(152)}[`,
      'ب'.repeat(70),
      'ب'.repeat(71),
      `${'ب'.repeat(66)}ًًً`,
    ]) {
      expect(smsInfo(body)).toEqual(library(body));
    }
    expect(smsInfo('ا' + '\u064b'.repeat(100) + 'b')).toEqual(library('ا' + '\u064b'.repeat(100) + 'b'));
  });
});

describe('local minute of the day (memoised per zone and UTC minute since 1980)', () => {
  const luxonMinute = (ms: number, zone: string) => {
    const local = DateTime.fromMillis(ms, { zone });
    return local.hour * 60 + local.minute;
  };

  it('relies on every zone having whole-minute offsets since 1980, which holds for this ICU', () => {
    const fractional: string[] = [];
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const iana = IANAZone.create(zone);
      for (let t = Date.UTC(1980, 0, 1); t < Date.UTC(2040, 0, 1); t += 30 * 86_400_000) {
        if (!Number.isInteger(iana.offset(t))) {
          fractional.push(zone);
          break;
        }
      }
    }
    expect(fractional).toEqual([]);
  }, 30_000);

  it('matches luxon at any millisecond, before and after 1980, asked twice', () => {
    const zones = [
      'America/New_York',
      'Asia/Tehran',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Africa/Monrovia',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, ms) => {
          expect(localMinute(ms, zone)).toBe(luxonMinute(ms, zone));
          expect(localMinute(ms, zone)).toBe(luxonMinute(ms, zone));
        },
      ),
      { numRuns: 2000 },
    );
    // Monrovia's offset was −0:44:30 until 1972: the local minute changes half-way through a UTC minute.
    const ms = Date.UTC(1971, 5, 1, 12, 0, 10);
    expect(localMinute(ms, 'Africa/Monrovia')).toBe(luxonMinute(ms, 'Africa/Monrovia'));
    expect(localMinute(ms + 30_000, 'Africa/Monrovia')).toBe(luxonMinute(ms + 30_000, 'Africa/Monrovia'));
  }, 30_000);
});

describe('locale chain (memoised)', () => {
  it('gives the same chain asked twice, for any requested and default locale', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
        fc.string({ maxLength: 8 }),
        (requested, defaultLocale) => {
          const parts =
            typeof requested === 'string' && requested.length > 0
              ? requested.replaceAll('_', '-').split('-')
              : [];
          const expected = [
            ...new Set([...parts.map((_, i) => parts.slice(0, parts.length - i).join('-')), defaultLocale]),
          ];
          expect(localeChain(requested, defaultLocale)).toEqual(expected);
          expect(localeChain(requested, defaultLocale)).toEqual(expected);
        },
      ),
    );
    expect(localeChain('fa-IR', 'en')).toEqual(['fa-IR', 'fa', 'en']);
    expect(localeChain('1:x', 'en')).toEqual(['1:x', 'en']);
    expect(localeChain('', '3:abc')).toEqual(['3:abc']);
  });

  it('hands out a chain no caller can change for the next one', () => {
    const chain = localeChain('ar-SA', 'en');
    expect(() => (chain as string[]).push('xx')).toThrow();
    expect(localeChain('ar-SA', 'en')).toEqual(['ar-SA', 'ar', 'en']);
  });
});
