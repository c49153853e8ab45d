/**
 * Journey parts in plain words, for people who did not write the JSON: "ordered since entry",
 * "lifetime value ≥ 500", "2 days, then the next 10:00 local time". Shared by graph, preview and
 * simulate so the three tools say the same thing the same way.
 */
import { Duration } from 'luxon';
import type { ChannelChoice, Condition, Step, WaitStep } from '../engine/schema.ts';

const UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

/** `P1DT12H` → "1 day 12 hours"; `-P3D` → "3 days earlier"; an unreadable value is shown as written. */
export function durationWords(iso: string): string {
  const negative = iso.startsWith('-');
  const duration = Duration.fromISO(negative ? iso.slice(1) : iso);
  if (!duration.isValid) return `\`${iso}\``;
  const parts: string[] = [];
  for (const unit of UNITS) {
    const n = duration.get(unit);
    if (n !== 0) parts.push(`${n} ${n === 1 ? unit.slice(0, -1) : unit}`);
  }
  const words = parts.length > 0 ? parts.join(' ') : 'no time';
  return negative ? `${words} earlier` : words;
}

/** `cartReminderVariant` → "cart reminder variant". */
export function humanize(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}

/**
 * A field path in words: `profile.attributes.lifetimeValue` → "lifetime value",
 * `event.properties.total` → "event total", `product.replenishmentDays` → "product replenishment days".
 */
export function fieldWords(path: string): string {
  const [root, ...rest] = path.split('.');
  if (root === 'profile') {
    const tail = rest[0] === 'attributes' ? rest.slice(1) : rest;
    return tail.map(humanize).join(' ') || 'profile';
  }
  if (root === 'event') {
    const tail = rest[0] === 'properties' ? rest.slice(1) : rest;
    return `event ${tail.map(humanize).join(' ')}`.trim();
  }
  return [root ?? '', ...rest].map(humanize).join(' ');
}

const EVENT_VERBS: Record<string, string> = {
  order_placed: 'ordered',
  cart_updated: 'updated the cart',
  signed_up: 'signed up',
  product_viewed: 'viewed a product',
  unsubscribed: 'unsubscribed',
  profile_updated: 'updated their profile',
};

/** `order_placed` → "ordered". */
export function eventVerb(type: string): string {
  return EVENT_VERBS[type] ?? `did ${humanize(type)}`;
}

/** `order_placed` → "order placed". */
export function eventNoun(type: string): string {
  return humanize(type);
}

const OPERATOR_WORDS: Record<string, string> = {
  eq: 'is',
  ne: 'is not',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  startsWith: 'starts with',
};

function valueWords(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueWords).join(', ');
  if (typeof value === 'string') return `“${value}”`;
  return String(value);
}

/** A condition as a short phrase; nested `all`/`any` get brackets so the grouping stays visible. */
export function conditionWords(condition: Condition, depth = 0): string {
  const c = condition as Record<string, unknown>;
  const group = (parts: Condition[], joiner: string) => {
    const text = parts.map((p) => conditionWords(p, depth + 1)).join(joiner);
    return depth > 0 && parts.length > 1 ? `(${text})` : text;
  };
  if (Array.isArray(c.all)) return group(c.all as Condition[], ' and ');
  if (Array.isArray(c.any)) return group(c.any as Condition[], ' or ');
  if (c.not !== undefined) return `not ${conditionWords(c.not as Condition, depth + 1)}`;
  if (typeof c.field === 'string') {
    const field = fieldWords(c.field);
    if (c.op === 'exists') return `${field} is known`;
    if (c.op === 'notExists') return `${field} is unknown`;
    if (c.op === 'eq' && typeof c.value === 'boolean') return c.value ? field : `not ${field}`;
    return `${field} ${OPERATOR_WORDS[String(c.op)] ?? String(c.op)} ${valueWords(c.value)}`;
  }
  if (typeof c.did === 'string') {
    const verb = eventVerb(c.did);
    const product =
      c.sameProduct === true ? (c.did === 'order_placed' ? ' this product' : ' (this product)') : '';
    const times = typeof c.count === 'number' && c.count > 1 ? ` at least ${c.count} times` : '';
    const window = [
      typeof c.within === 'string' ? `in the last ${durationWords(c.within)}` : '',
      c.since === 'entry' ? 'since entry' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `${verb}${product}${times}${window ? ` ${window}` : ''}`;
  }
  if (typeof c.engaged === 'string') {
    const verb = ENGAGEMENT_VERBS[String(c.with)] ?? `engaged (${String(c.with)}) with`;
    const window = typeof c.within === 'string' ? ` within ${durationWords(c.within)} of it` : '';
    return `${verb} the message of ${c.engaged}${window}`;
  }
  return 'an unreadable condition';
}

const ENGAGEMENT_VERBS: Record<string, string> = {
  open: 'opened',
  click: 'clicked a link in',
  convert: 'reached the goal after',
};

/** `["preferred", "email"]` → "preferred → email". */
export function channelsWords(channels: readonly ChannelChoice[]): string {
  return channels.map((c) => (c === 'sms' ? 'SMS' : c)).join(' → ');
}

/** A wait step's timing: "2 days, then the next 10:00 local time". */
export function waitWords(step: WaitStep): string {
  const best = step.until?.time === 'best' ? bestTimeWords(step.until) : undefined;
  const at = best ?? step.until?.localTime;
  if (step.until?.date !== undefined) {
    const parts = [fieldWords(step.until.date)];
    if (step.until.addDaysFrom) parts.push(`+ ${fieldWords(step.until.addDaysFrom)}`);
    if (step.until.offset) {
      const negative = step.until.offset.startsWith('-');
      parts.push(`${negative ? '−' : '+'} ${durationWords(step.until.offset.replace(/^-/, ''))}`);
    }
    if (step.until.every === 'year') {
      const shift = parts.slice(1).join(' ');
      return `until the next anniversary of ${parts[0]}${shift ? ` ${shift}` : ''}${at ? `, at ${at} local time` : ''}`;
    }
    return `until ${parts.join(' ')}${at ? `, at ${at} local time` : ''}`;
  }
  if (step.duration !== undefined) {
    const d = durationWords(step.duration);
    if (best) return `${d}, then ${best}`;
    return at ? `${d}, then the next ${at} local time` : d;
  }
  if (best) return `until ${best}`;
  return at ? `until the next ${at} local time` : 'no time';
}

/** "the customer’s best email time between 09:00 and 21:00 (else 10:00)". */
function bestTimeWords(until: NonNullable<WaitStep['until']>): string {
  const channel = until.channel === 'sms' ? 'SMS' : (until.channel ?? 'email');
  const window = until.window ? ` between ${until.window[0]} and ${until.window[1]}` : '';
  return `the customer’s best ${channel} time${window} local (else ${until.fallback ?? '10:00'})`;
}

/** One line naming what a step does, without its id. */
export function stepSummary(step: Step): string {
  switch (step.type) {
    case 'send':
      return `send “${step.message}” by ${channelsWords(step.channels)}`;
    case 'wait':
      return `wait ${waitWords(step)}`;
    case 'waitForEvent':
      return `wait up to ${durationWords(step.timeout)} for ${eventNoun(step.event)}`;
    case 'branch':
      return step.description ?? 'branch';
    case 'split':
      return `split ${step.arms.map((a) => `${a.name} ${a.weight}%`).join(' / ')}`;
    case 'update':
      return `set ${step.attribute} = ${valueWords(step.value)}`;
    case 'exit':
      return step.reason ? `exit: ${step.reason}` : 'exit';
    default:
      return 'unknown step';
  }
}
