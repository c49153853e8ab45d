/**
 * SMS encoding and segment count, recorded with every SMS send (carriers bill per segment).
 *
 * GSM-7 fits 160 characters in one segment (153 per part when split); a single character outside
 * the GSM-7 alphabet (Arabic, Persian, most emoji) forces UCS-2: 70 per segment, 67 per part.
 * The arithmetic, including extension-table characters that take two septets and grapheme
 * clusters, is delegated to sms-segments-calculator.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Characters as the carrier counts them (extension-table characters such as `€` count twice in GSM-7). */
  characters: number;
}

export function smsInfo(body: string): SmsInfo {
  const fast = simpleSmsInfo(body);
  if (fast) return fast;
  const message = new SegmentedMessage(body, 'auto');
  return {
    encoding: message.encodingName,
    segments: body.length === 0 ? 0 : message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}

// ── The common case without grapheme splitting ────────────────────────────────────────────────
//
// The library splits every body into grapheme clusters, about half of an SMS render's CPU. For
// text made only of printable ASCII, line feeds and Arabic-script letters, digits, punctuation and
// their combining marks (harakat, ZWNJ), where each mark joins the character before it, the count
// is plain arithmetic, done here with the library's own rule: one segment while the message fits
// 140 octets; past that, segments of 134 octets (a 6-octet header), filled in order, a grapheme or
// an escaped GSM character never split. Anything else (CR, accented Latin, emoji, other scripts)
// goes to the library. A property test holds the two to the same answers.

const GSM_SINGLE_SEGMENT = 160;
const GSM_PART = 153;
const UCS2_SINGLE_SEGMENT = 70;
const UCS2_PART = 67;
const LF = 0x0a;

/** 1 or 2 septets for a GSM-7 ASCII character, 0 for an ASCII character outside GSM-7, -1 for anything else. */
function asciiSeptets(code: number): number {
  if (code === LF) return 1;
  if (code < 0x20 || code > 0x7e) return -1;
  if (code === 0x60) return 0; // backtick: not in GSM-7
  // GSM-7 extension table: escape + character.
  if (code === 0x5b || code === 0x5c || code === 0x5d || code === 0x5e) return 2;
  if (code === 0x7b || code === 0x7c || code === 0x7d || code === 0x7e) return 2;
  return 1;
}

/** Arabic-script characters that start a grapheme of their own. */
function isArabicBase(code: number): boolean {
  return (
    (code >= 0x0621 && code <= 0x064a) || // letters, tatweel
    (code >= 0x0660 && code <= 0x066d) || // Arabic-Indic digits, percent, separators
    (code >= 0x06f0 && code <= 0x06f9) || // Persian digits
    code === 0x060c || // Arabic comma
    code === 0x061b || // Arabic semicolon
    code === 0x061f || // Arabic question mark
    code === 0x067e || // پ
    code === 0x0686 || // چ
    code === 0x0698 || // ژ
    code === 0x06a9 || // ک
    code === 0x06af || // گ
    code === 0x06cc // ی
  );
}

/** Marks that join the character before them: harakat, superscript alef, ZWNJ. */
function isArabicMark(code: number): boolean {
  return (code >= 0x064b && code <= 0x065f) || code === 0x0670 || code === 0x200c;
}

export function simpleSmsInfo(body: string): SmsInfo | undefined {
  let septets = 0;
  let ucs2 = false;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    let s: number;
    if (code < 0x80) s = asciiSeptets(code);
    else if (isArabicBase(code) || isArabicMark(code)) s = 0;
    else s = -1;
    if (s < 0) return undefined;
    if (s === 0) ucs2 = true;
    septets += s;
  }
  if (body.length === 0) return { encoding: 'GSM-7', segments: 0, characters: 0 };
  return ucs2 ? ucs2Info(body) : gsmInfo(body, septets);
}

function gsmInfo(body: string, septets: number): SmsInfo {
  if (septets <= GSM_SINGLE_SEGMENT) return { encoding: 'GSM-7', segments: 1, characters: septets };
  let segments = 1;
  let used = 0;
  for (let i = 0; i < body.length; i++) {
    const s = asciiSeptets(body.charCodeAt(i));
    if (used + s > GSM_PART) {
      segments++;
      used = 0;
    }
    used += s;
  }
  return { encoding: 'GSM-7', segments, characters: septets };
}

/**
 * Every character here is one UTF-16 code unit (16 bits); a mark joins the grapheme before it unless
 * that is a line feed. Undefined when one grapheme is longer than a part (a pathological run of
 * marks): how the library splits that is left to the library.
 */
function ucs2Info(body: string): SmsInfo | undefined {
  const sizes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (i > 0 && isArabicMark(code) && body.charCodeAt(i - 1) !== LF) {
      sizes[sizes.length - 1]! += 1;
    } else {
      sizes.push(1);
    }
  }
  if (body.length <= UCS2_SINGLE_SEGMENT) return { encoding: 'UCS-2', segments: 1, characters: sizes.length };
  if (sizes.some((size) => size > UCS2_PART)) return undefined;
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > UCS2_PART) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding: 'UCS-2', segments, characters: sizes.length };
}
