/**
 * How an incoming event changes the customer's profile: traits from `signed_up`/`profile_updated`,
 * order facts from `order_placed`, consent from `unsubscribed`, and declared attributes: those a
 * `profile_updated`/`signed_up` event names under `properties.attributes`, and those a custom
 * event's properties update (`"updates": "renewalCount"` in workflows/data.json). Ingest validated
 * the values against the vocabulary first. Pure; ingest applies it once per event id (the store
 * guards replays).
 *
 * Events arrive out of order (retries, several producers, backfills), so every field is ordered by
 * when its change happened, not by when it arrived. A change happened at the event's time, but
 * never later than its arrival (`now`): an event stamped a few minutes ahead (the skew ingest
 * accepts, engine/event-time.ts) cannot outrank what arrives after it.
 * - Consent per channel: a change older than the stored one is ignored (a backfill never undoes a
 *   newer decision), with one exception: an opt-out wins over an opt-in stamped at most
 *   `MAX_FUTURE_SKEW_MS` after it. Within clock skew the order is unknowable, and a message sent
 *   after a genuine opt-out is the worse mistake.
 * - Traits (email, phone, names, locale, time zone, country, preferred channel): each field keeps
 *   the time of its last change in `traitsAt`; an older value does not replace a newer one. Push
 *   tokens are a set: a backfill may add one.
 * - Orders: every distinct order counts (`ordersCount`, `lifetimeValue`); `lastOrderAt` moves only
 *   forward and `firstOrderAt` only back.
 *
 * Invalid contact data is kept as given, not dropped: the send-time policy then skips that channel
 * with a recorded reason (`invalid_phone`), and the notes here let ingest count it.
 */
import type { Consent, CustomerEvent, Profile, PushToken, TraitName } from './data.ts';
import { MAX_FUTURE_SKEW_MS } from './event-time.ts';
import { normaliseEmail, normalisePhone } from './policy/channels.ts';
import type { ChannelName } from './schema.ts';
import { BUILT_IN_VOCABULARY, type Vocabulary } from './vocabulary.ts';

export type ProfileNote =
  | 'created'
  | 'invalid_email'
  | 'invalid_phone'
  | 'push_token_added'
  | 'consent_changed';

export interface ProfileChange {
  profile: Profile;
  notes: ProfileNote[];
}

const CHANNELS: readonly ChannelName[] = ['email', 'sms', 'push'];

interface Traits {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  locale?: string;
  timeZone?: string;
  country?: string;
  preferredChannel?: ChannelName;
  pushToken?: PushToken;
  consent?: Partial<Record<ChannelName, boolean>>;
}

/** The event types whose own fields change a profile (the cases of `applyEventToProfile`). */
const PROFILE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'signed_up',
  'profile_updated',
  'consent_renewed',
  'order_placed',
  'unsubscribed',
]);

/**
 * Whether an event of this type can change a stored profile's data: traits, consent, orders, or an
 * attribute the vocabulary says one of its properties `updates`. One that cannot (a product view, a
 * cart update) would change only `updatedAt`, so ingest leaves an existing profile unwritten (issue
 * 19: one write fewer per such event): `updatedAt` is when the profile's data last changed, and a
 * replay of such an event has nothing to apply twice.
 */
export function changesProfile(type: string, vocabulary: Vocabulary = BUILT_IN_VOCABULARY): boolean {
  if (PROFILE_EVENT_TYPES.has(type)) return true;
  return Object.values(vocabulary.events[type]?.properties ?? {}).some((p) => p.updates !== undefined);
}

export function applyEventToProfile(
  current: Profile | undefined,
  event: CustomerEvent,
  now: Date,
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): ProfileChange {
  const notes: ProfileNote[] = [];
  const nowIso = now.toISOString();
  const at = Date.parse(event.time) > now.getTime() ? nowIso : event.time;
  const profile: Profile = current ? structuredClone(current) : { id: event.customerId, createdAt: nowIso };
  if (!current) notes.push('created');
  const props = event.properties as Record<string, unknown>;

  switch (event.type) {
    case 'signed_up':
    case 'profile_updated':
    case 'consent_renewed':
      applyTraits(profile, (props.profile ?? {}) as Traits, { event, at }, notes);
      break;
    case 'order_placed':
      applyOrder(profile, props, event.time);
      break;
    case 'unsubscribed': {
      const channel = props.channel as ChannelName | undefined;
      for (const c of channel ? [channel] : CHANNELS) {
        setConsent(profile, c, { status: 'opted_out', at, source: 'unsubscribed_event' }, notes);
      }
      break;
    }
    default:
      break;
  }
  applyDeclaredAttributes(profile, event, vocabulary);
  profile.updatedAt = nowIso;
  return { profile, notes };
}

/** When the change happened: the event's time, capped at its arrival. */
interface Change {
  event: CustomerEvent;
  at: string;
}

function applyTraits(profile: Profile, traits: Traits, change: Change, notes: ProfileNote[]): void {
  const { email, phone, pushToken, consent, ...plain } = traits;
  const newer = (field: TraitName) => {
    const previous = profile.traitsAt?.[field];
    // NaN (an unreadable stored time) compares false: the new value is taken.
    if (previous !== undefined && Date.parse(previous) > Date.parse(change.at)) return false;
    profile.traitsAt = { ...profile.traitsAt, [field]: change.at };
    return true;
  };
  for (const [key, value] of Object.entries(plain)) {
    if (value !== undefined && newer(key as TraitName)) (profile as Record<string, unknown>)[key] = value;
  }
  if (email !== undefined && newer('email')) {
    const normalised = normaliseEmail(email);
    profile.email = normalised ?? email.trim();
    if (!normalised) notes.push('invalid_email');
  }
  if (phone !== undefined && newer('phone')) {
    const e164 = normalisePhone(phone, traits.country ?? profile.country);
    profile.phone = e164 ?? phone.trim();
    if (!e164) notes.push('invalid_phone');
  }
  if (pushToken && !(profile.pushTokens ?? []).some((t) => t.token === pushToken.token)) {
    profile.pushTokens = [
      ...(profile.pushTokens ?? []),
      { platform: pushToken.platform, token: pushToken.token },
    ];
    notes.push('push_token_added');
  }
  const { event, at } = change;
  for (const channel of CHANNELS) {
    const given = consent?.[channel];
    if (given === undefined) continue;
    const source = `${event.type}:${String((event.properties as { source?: unknown }).source ?? 'api')}`;
    setConsent(profile, channel, { status: given ? 'opted_in' : 'opted_out', at, source }, notes);
  }
}

function setConsent(profile: Profile, channel: ChannelName, consent: Consent, notes: ProfileNote[]): void {
  const previous = profile.consent?.[channel];
  if (previous && !consentSupersedes(consent, previous)) return;
  profile.consent = { ...profile.consent, [channel]: consent };
  // The same decision again only moves its time forward (so an older opposite one stays ignored).
  if (previous?.status !== consent.status) notes.push('consent_changed');
}

/** Whether `next` replaces `previous` (the ordering rule in this file's header). */
export function consentSupersedes(next: Consent, previous: Consent): boolean {
  const [nextAt, previousAt] = [Date.parse(next.at), Date.parse(previous.at)];
  // An unreadable stored time (written before times were normalised) orders before everything.
  if (!Number.isFinite(previousAt)) return true;
  if (next.status === previous.status) return nextAt > previousAt;
  if (next.status === 'opted_out' && previous.status === 'opted_in') {
    return nextAt >= previousAt - MAX_FUTURE_SKEW_MS;
  }
  return nextAt > previousAt;
}

function applyOrder(profile: Profile, props: Record<string, unknown>, time: string): void {
  const attributes = { ...profile.attributes };
  const total = typeof props.total === 'number' && Number.isFinite(props.total) ? props.total : 0;
  attributes.ordersCount = (attributes.ordersCount ?? 0) + 1;
  attributes.lifetimeValue = Math.round(((attributes.lifetimeValue ?? 0) + total) * 100) / 100;
  // A stored time that does not parse (kept before times were normalised) is replaced.
  const at = Date.parse(time);
  const last = Date.parse(attributes.lastOrderAt ?? '');
  const first = Date.parse(attributes.firstOrderAt ?? '');
  if (!Number.isFinite(last) || at > last) attributes.lastOrderAt = time;
  if (!Number.isFinite(first) || at < first) attributes.firstOrderAt = time;
  profile.attributes = attributes;
}

/** Attributes the event sets, by the vocabulary: `properties.attributes` of a profile event, or declared `updates`. */
function applyDeclaredAttributes(profile: Profile, event: CustomerEvent, vocabulary: Vocabulary): void {
  const props = event.properties as Record<string, unknown>;
  const spec = vocabulary.events[event.type];
  const updates: Record<string, unknown> = {};
  if ((event.type === 'signed_up' || event.type === 'profile_updated') && isRecord(props.attributes)) {
    for (const [name, value] of Object.entries(props.attributes)) {
      if (Object.hasOwn(vocabulary.attributes, name)) updates[name] = value;
    }
  }
  for (const [name, property] of Object.entries(spec?.properties ?? {})) {
    if (property.updates !== undefined && props[name] !== undefined) updates[property.updates] = props[name];
  }
  if (Object.keys(updates).length === 0) return;
  profile.attributes = { ...profile.attributes, ...(updates as Profile['attributes']) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
