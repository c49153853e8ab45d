// The send-time and flow policy: pure decisions over a DecisionContext. One line per module.
export * from './config.ts';
export * from './context.ts';
