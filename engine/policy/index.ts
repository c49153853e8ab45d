// The send-time and flow policy: pure decisions over a DecisionContext. One line per module.

export * from './caps.ts';
export * from './channels.ts';
export * from './conditions.ts';
export * from './config.ts';
export * from './context.ts';
export * from './engagement.ts';
export * from './entry.ts';
export * from './exit.ts';
export * from './expiry.ts';
export * from './flow.ts';
export * from './quiet-hours.ts';
export * from './recency.ts';
export * from './render.ts';
export * from './send.ts';
export * from './send-time.ts';
export * from './sms.ts';
export * from './split.ts';
export * from './time.ts';
