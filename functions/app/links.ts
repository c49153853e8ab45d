/** Signed unsubscribe links for a customer and channel (the token names both). */
import type { ChannelName } from '../../engine/schema.ts';
import type { UnsubscribeLinkConfig } from '../deps.ts';
import { signUnsubscribeToken } from '../unsubscribe-token.ts';

const DAY_S = 86_400;

export function unsubscribeLinks(
  config: UnsubscribeLinkConfig,
  customerId: string,
  channel: ChannelName,
  now: Date,
): { url: string; mailto?: string } {
  const exp = Math.floor(now.getTime() / 1000) + (config.ttlDays ?? 365) * DAY_S;
  const token = signUnsubscribeToken({ customerId, channel, scope: 'all', exp }, config.secrets);
  const separator = config.baseUrl.includes('?') ? '&' : '?';
  const url = `${config.baseUrl}${separator}token=${encodeURIComponent(token)}`;
  if (!config.mailto) return { url };
  const address = config.mailto.replace(/^mailto:/i, '');
  return { url, mailto: `mailto:${address}?subject=${encodeURIComponent(`unsubscribe ${token}`)}` };
}
