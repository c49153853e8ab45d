/**
 * Deployment settings, read from CDK context (`cdk.json`, `-c key=value`). Nothing account-specific is
 * hard-coded: what is not supplied as context becomes a CloudFormation parameter (see herald-stack.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Construct } from 'constructs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface HeraldConfig {
  /** `production=true`: deletion protection and RETAIN on stored data. */
  production: boolean;
  /** Folder globbed for `*.journey.json`; one state machine per file. */
  journeysDir: string;
  /** SES identity (domain or address) messages are sent from; undefined ⇒ CfnParameter `SenderIdentity`. */
  senderIdentity?: string;
  /** The From address; undefined ⇒ CfnParameter `FromAddress`. */
  fromAddress?: string;
  /** SMS origination identity (phone number, sender id or pool); undefined ⇒ CfnParameter (may be empty). */
  smsOriginationIdentity?: string;
  /** An existing Pinpoint / End User Messaging app (project) id; undefined ⇒ the stack creates one. */
  pinpointAppId?: string;
  /** Verified recipient identities, needed only while the SES account is in the sandbox. */
  sesSandboxRecipients: string[];
  /** Optional e-mail subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Powertools log level for every function. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Alarm thresholds on the account's SES reputation (ratios, 0.003 = 0.3 %). */
  complaintRateThreshold: number;
  bounceRateThreshold: number;
}

function text(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function list(scope: Construct, key: string): string[] {
  const value: unknown = scope.node.tryGetContext(key);
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim() !== '') return value.split(',').map((s) => s.trim());
  return [];
}

function ratio(scope: Construct, key: string, fallback: number): number {
  const raw = text(scope, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0 && value < 1))
    throw new Error(`context ${key} must be a ratio between 0 and 1, got ${raw}`);
  return value;
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export function readConfig(scope: Construct): HeraldConfig {
  const logLevel = (text(scope, 'logLevel') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`context logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  }
  const config: HeraldConfig = {
    production: text(scope, 'production') === 'true',
    journeysDir: path.resolve(REPO_ROOT, text(scope, 'journeysDir') ?? 'workflows'),
    sesSandboxRecipients: list(scope, 'sesSandboxRecipients'),
    logLevel: logLevel as HeraldConfig['logLevel'],
    // Gmail and Yahoo require spam complaints under 0.3 %; SES reviews accounts whose bounce rate reaches 5 %.
    complaintRateThreshold: ratio(scope, 'complaintRateThreshold', 0.003),
    bounceRateThreshold: ratio(scope, 'bounceRateThreshold', 0.05),
  };
  const optional = {
    senderIdentity: text(scope, 'senderIdentity'),
    fromAddress: text(scope, 'fromAddress'),
    smsOriginationIdentity: text(scope, 'smsOriginationIdentity'),
    pinpointAppId: text(scope, 'pinpointAppId'),
    alarmEmail: text(scope, 'alarmEmail'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(config, { [key]: value });
  }
  return config;
}
