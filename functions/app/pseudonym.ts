/**
 * One-way pseudonyms: HMAC-SHA-256 under a secret key (the `PrivacyKey` secret on AWS), truncated
 * to 128 bits, hex. Without the key a pseudonym cannot be recomputed from a guessed customer id or
 * address (a plain hash of an email address can be, by trying addresses); with it, Herald can find
 * the tombstone of an erased customer again when their id or address comes back. Each value is
 * hashed with its purpose (`customer:`, `email:`, `phone:`, `id:`), so the hash of one never equals
 * the hash of another. Rotating the key orphans every tombstone: do not rotate it.
 */
import { createHmac } from 'node:crypto';
import type { Profile } from '../../engine/data.ts';
import type { PseudonymKeys } from '../../engine/privacy/pseudonymise.ts';

export interface Pseudonymiser {
  pseudonym(customerId: string): string;
  /** Keyed hashes of a profile's (or an event's) addresses: email (lower case) and phone. */
  addressHashes(addresses: { email?: string | undefined; phone?: string | undefined }): string[];
  keysFor(customerId: string): PseudonymKeys;
}

export function createPseudonymiser(key: string): Pseudonymiser {
  if (key.length < 16) throw new Error('the privacy key must be at least 16 characters');
  const hmac = (purpose: string, value: string) =>
    createHmac('sha256', key).update(`${purpose}:${value}`).digest('hex').slice(0, 32);
  const pseudonym = (customerId: string) => hmac('customer', customerId);
  return {
    pseudonym,
    addressHashes({ email, phone }) {
      const hashes: string[] = [];
      if (email?.trim()) hashes.push(hmac('email', email.trim().toLowerCase()));
      if (phone?.trim()) hashes.push(hmac('phone', phone.replace(/[\s().-]/g, '')));
      return hashes;
    },
    keysFor(customerId) {
      return { pseudonym: pseudonym(customerId), hash: (value) => hmac('id', value) };
    },
  };
}

export function profileAddresses(profile: Profile | undefined): { email?: string; phone?: string } {
  return {
    ...(profile?.email ? { email: profile.email } : {}),
    ...(profile?.phone ? { phone: profile.phone } : {}),
  };
}
