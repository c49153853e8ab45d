/**
 * How an incoming event changes the customer's profile: traits from `signed_up`/`profile_updated`,
 * order facts from `order_placed`, consent from `unsubscribed`, and declared attributes: those a
 * `profile_updated`/`signed_up` event names under `properties.attributes`, and those a custom
 * event's properties update (`"updates": "renewalCount"` in workflows/data.json). Ingest validated
 * the values against the vocabulary first. Pure; ingest applies it once per event id (the store
 * guards replays).
 *
 * Invalid contact data is kept as given, not dropped: the send-time policy then skips that channel
 * with a recorded reason (`invalid_phone`), and the notes here let ingest count it.
 */
import type { Consent, CustomerEvent, Profile, PushToken } from './data.ts';
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

export function applyEventToProfile(
  current: Profile | undefined,
  event: CustomerEvent,
  now: Date,
  vocabulary: Vocabulary = BUILT_IN_VOCABULARY,
): ProfileChange {
  const notes: ProfileNote[] = [];
  const nowIso = now.toISOString();
  const profile: Profile = current ? structuredClone(current) : { id: event.customerId, createdAt: nowIso };
  if (!current) notes.push('created');
  const props = event.properties as Record<string, unknown>;

  switch (event.type) {
    case 'signed_up':
    case 'profile_updated':
      applyTraits(profile, (props.profile ?? {}) as Traits, event, notes);
      break;
    case 'order_placed':
      applyOrder(profile, props, event.time);
      break;
    case 'unsubscribed': {
      const channel = props.channel as ChannelName | undefined;
      for (const c of channel ? [channel] : CHANNELS) {
        setConsent(profile, c, { status: 'opted_out', at: event.time, source: 'unsubscribed_event' }, notes);
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

function applyTraits(profile: Profile, traits: Traits, event: CustomerEvent, notes: ProfileNote[]): void {
  const { email, phone, pushToken, consent, ...plain } = traits;
  for (const [key, value] of Object.entries(plain)) {
    if (value !== undefined) (profile as Record<string, unknown>)[key] = value;
  }
  if (email !== undefined) {
    const normalised = normaliseEmail(email);
    profile.email = normalised ?? email.trim();
    if (!normalised) notes.push('invalid_email');
  }
  if (phone !== undefined) {
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
  for (const channel of CHANNELS) {
    const given = consent?.[channel];
    if (given === undefined) continue;
    const source = `${event.type}:${String((event.properties as { source?: unknown }).source ?? 'api')}`;
    setConsent(profile, channel, { status: given ? 'opted_in' : 'opted_out', at: event.time, source }, notes);
  }
}

function setConsent(profile: Profile, channel: ChannelName, consent: Consent, notes: ProfileNote[]): void {
  const previous = profile.consent?.[channel];
  if (previous?.status === consent.status) return;
  // An older event never overrides a newer consent decision (events can arrive out of order).
  if (previous && Date.parse(previous.at) > Date.parse(consent.at)) return;
  profile.consent = { ...profile.consent, [channel]: consent };
  notes.push('consent_changed');
}

function applyOrder(profile: Profile, props: Record<string, unknown>, time: string): void {
  const attributes = { ...profile.attributes };
  const total = typeof props.total === 'number' && Number.isFinite(props.total) ? props.total : 0;
  attributes.ordersCount = (attributes.ordersCount ?? 0) + 1;
  attributes.lifetimeValue = Math.round(((attributes.lifetimeValue ?? 0) + total) * 100) / 100;
  if (!attributes.lastOrderAt || Date.parse(time) > Date.parse(attributes.lastOrderAt))
    attributes.lastOrderAt = time;
  if (!attributes.firstOrderAt || Date.parse(time) < Date.parse(attributes.firstOrderAt))
    attributes.firstOrderAt = time;
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
