import { describe, expect, it } from 'vitest';
import { smsInfo } from '../../engine/policy/sms.ts';

describe('SMS encoding and segments', () => {
  it.each([
    {
      name: 'short Latin text is one GSM-7 segment',
      body: 'Your order shipped',
      encoding: 'GSM-7',
      segments: 1,
    },
    { name: '160 GSM-7 characters fit one segment', body: 'x'.repeat(160), encoding: 'GSM-7', segments: 1 },
    {
      name: '161 GSM-7 characters need two (153 per part)',
      body: 'x'.repeat(161),
      encoding: 'GSM-7',
      segments: 2,
    },
    { name: '306 GSM-7 characters fit two parts', body: 'x'.repeat(306), encoding: 'GSM-7', segments: 2 },
    { name: '307 GSM-7 characters need three', body: 'x'.repeat(307), encoding: 'GSM-7', segments: 3 },
    { name: 'the euro sign takes two GSM-7 septets', body: '€'.repeat(81), encoding: 'GSM-7', segments: 2 },
    { name: 'Persian forces UCS-2', body: 'سلام', encoding: 'UCS-2', segments: 1 },
    { name: '70 UCS-2 characters fit one segment', body: 'س'.repeat(70), encoding: 'UCS-2', segments: 1 },
    {
      name: '71 UCS-2 characters need two (67 per part)',
      body: 'س'.repeat(71),
      encoding: 'UCS-2',
      segments: 2,
    },
    {
      name: 'one emoji turns a Latin text into UCS-2',
      body: `${'x'.repeat(69)}🙂`,
      encoding: 'UCS-2',
      segments: 2,
    },
    { name: 'an empty body has no segments', body: '', encoding: 'GSM-7', segments: 0 },
    {
      // One grapheme longer than a 67-unit part (70 marks on nothing), then a letter: the library's
      // answer. Found by the fast-path property test (seed -1410019663).
      name: 'a run of marks longer than one part still counts as the library does',
      body: `${'\u0670'.repeat(70)}a`,
      encoding: 'UCS-2',
      segments: 2,
    },
  ] as const)('$name', ({ body, encoding, segments }) => {
    expect(smsInfo(body)).toMatchObject({ encoding, segments });
  });
});
