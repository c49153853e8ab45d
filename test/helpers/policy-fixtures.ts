import type { Message } from '../../engine/schema.ts';

/** A message with English content on every channel: channel choice never drops a channel for want of content. */
export const everywhere: Message = {
  locales: {
    en: {
      email: { subject: 's', html: 'h', text: 't' },
      sms: { body: 'b' },
      push: { title: 't', body: 'b' },
    },
  },
};
