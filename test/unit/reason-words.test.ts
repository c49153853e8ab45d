/**
 * The words table (tools/words/reasons.ts) against every reason code the runtime records: the
 * codes are read from the `ReasonCode` union in engine/reason-codes.ts by the TypeScript checker,
 * so a code added to any of the unions it gathers (skip, defer, entry, wait, exit, feedback…)
 * fails here until it has words.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REASON_PREFIXES } from '../../engine/reason-codes.ts';
import { REASON_WORDS, reasonWords } from '../../tools/words/reasons.ts';

const file = new URL('../../engine/reason-codes.ts', import.meta.url).pathname;

/** The string literals of `ReasonCode`, as the checker resolves the union. */
function reasonCodes(): string[] {
  const program = ts.createProgram([file], {
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const alias = source?.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'ReasonCode',
  );
  if (!alias) throw new Error('engine/reason-codes.ts has no ReasonCode type');
  const type = checker.getTypeAtLocation(alias.name);
  const members = type.isUnion() ? type.types : [type];
  return members.filter((t): t is ts.StringLiteralType => t.isStringLiteral()).map((t) => t.value);
}

const codes = reasonCodes();

describe('reason words', () => {
  it('reads the codes from the runtime’s own unions (skip, defer, entry, wait, exit, feedback)', () => {
    // The checker saw the unions, not an empty or unresolved type.
    for (const code of ['no_consent', 'quiet_hours', 'backfill', 'missing_time_zone', 'converted', 'bounced'])
      expect(codes).toContain(code);
    expect(codes.length).toBeGreaterThan(40);
  });

  it.each(codes)('gives the code `%s` words of its own', (code) => {
    const words = REASON_WORDS[code as keyof typeof REASON_WORDS];
    expect(words, `add a line for '${code}' to REASON_WORDS in tools/words/reasons.ts`).toBeTypeOf('string');
    expect(words).not.toBe(code);
    expect(words).not.toMatch(/_/);
  });

  it.each([
    ['email:opted_out', 'email: opted out'],
    ['push:no_push_token', 'push: no push token (the app is not installed)'],
    ['sms:quiet_hours', 'SMS: quiet hours'],
    ['zone:invalid_time_zone', 'time zone: the profile’s time zone is not valid'],
    ['capped:marketing-7d', 'frequency cap `marketing-7d` is full'],
    [
      'email:in_doubt:InternalFailure',
      'email: the provider’s answer is in doubt (InternalFailure): it may have delivered',
    ],
    ['sms:retry_later:Throttling', 'SMS: the provider took nothing and asked to retry later (Throttling)'],
    ['email:suppressed:hard_bounce', 'email: on the suppression list (hard bounce)'],
    ['exit_event:order_placed', 'exit event: order placed'],
    ['exit:done', 'reached the exit step `done`'],
    ['deferral_limit', 'held too many times (a run must stay within Step Functions’ limits)'],
  ])('puts the compound code `%s` in words', (code, words) => {
    expect(reasonWords(code)).toBe(words);
  });

  it.each(REASON_PREFIXES.map((prefix) => [prefix]))(
    'words a code with the prefix `%s` without its raw code',
    (prefix) => {
      const words = reasonWords(`email:${prefix}:Detail`);
      expect(words).not.toContain(`:${prefix}`);
      expect(words).not.toMatch(/_/);
      expect(words.startsWith('email: ')).toBe(true);
    },
  );
});
