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
  const message = new SegmentedMessage(body, 'auto');
  return {
    encoding: message.encodingName,
    segments: body.length === 0 ? 0 : message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}
