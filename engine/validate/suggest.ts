import { closest, distance } from 'fastest-levenshtein';

/** Longest input we compare: beyond this, a typo suggestion is noise and the work is wasted. */
const MAX_LENGTH = 80;

/**
 * The candidate a marketer most plausibly meant, or undefined when nothing is close.
 * Case slips (`Email` for `email`) always count; otherwise at most a third of the letters may differ.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || input.length > MAX_LENGTH || candidates.length === 0) return undefined;
  const lower = input.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const usable = candidates.filter((c) => c.length <= MAX_LENGTH);
  if (usable.length === 0) return undefined;
  const best = closest(
    lower,
    usable.map((c) => c.toLowerCase()),
  );
  const original = usable.find((c) => c.toLowerCase() === best);
  if (original === undefined) return undefined;
  const longest = Math.max(input.length, original.length);
  // Two edits from four letters on: a swapped pair (`emial`) costs two in Levenshtein distance.
  const allowed = longest <= 3 ? 1 : Math.max(2, Math.floor(longest / 3));
  if (distance(lower, best) <= allowed) return original;
  // `equals` for `eq`, `unsub` for `unsubscribed`: one is the other's beginning.
  const prefixed = usable
    .filter((c) => {
      const cl = c.toLowerCase();
      return (cl.length >= 2 && lower.startsWith(cl)) || (lower.length >= 3 && cl.startsWith(lower));
    })
    .sort((a, b) => b.length - a.length);
  return prefixed.length === 1 || (prefixed.length > 1 && lower.length >= 3) ? prefixed[0] : undefined;
}

/** ` — did you mean `x`?` or the empty string. */
export function didYouMeanText(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` — did you mean \`${suggestion}\`?`;
}

/** `a`, `b` or `c` — for listing the allowed values when no single one is close. */
export function listOf(values: readonly string[], max = 12): string {
  const quoted = values.slice(0, max).map((v) => `\`${v}\``);
  if (values.length > max) quoted.push('…');
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** The pattern of a journey's locale tags (engine/schema.ts `Locale`). */
const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * The BCP 47 tag a misspelt locale means, as `Intl` canonicalises it: `fa_IR` → `fa-IR`,
 * `EN-gb` → `en-GB` (a region in capitals, a script in title case, never `fa-ir`).
 */
export function suggestLocale(tag: string): string | undefined {
  let canonical: string | undefined;
  try {
    [canonical] = Intl.getCanonicalLocales(tag.trim().replaceAll('_', '-'));
  } catch {
    return undefined; // not a tag even with hyphens: no guess beats the message's examples
  }
  return canonical !== undefined && canonical !== tag && LOCALE_TAG.test(canonical) ? canonical : undefined;
}

/**
 * The attribute name meant by what was written where a name goes (an `update` step's
 * `attribute`): `profile.attributes.lifetimeValu` → `lifetimeValue`, the declared attribute it is
 * closest to, else the last part of the path as written.
 */
export function suggestAttributeName(value: string, declared: readonly string[]): string | undefined {
  const name = value.trim().replace(/^(profile\.)?attributes\./, '');
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return didYouMean(name, declared) ?? (name !== value ? name : undefined);
  return undefined;
}
