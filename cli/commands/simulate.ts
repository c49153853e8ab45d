import path from 'node:path';
import { readDuration } from '../../engine/duration.ts';
import type { Journey } from '../../engine/schema.ts';
import { loadSegments } from '../../infra/segments.ts';
import { runTool, writeOutput } from '../../tools/cli/output.ts';
import { checkEventsBelongTo, loadJourney, loadPolicy, loadSent, ToolInputError } from '../../tools/load.ts';
import { loadSample } from '../../tools/samples.ts';
import { timelineHtml } from '../../tools/simulate/html.ts';
import {
  type SimulatedEngagement,
  type SimulatedProviderFault,
  simulate,
  timelineText,
} from '../../tools/simulate/index.ts';

interface SimulateCliOptions {
  profile: string;
  events?: string;
  products?: string;
  sent?: string;
  policy?: string;
  at?: string;
  providerFault?: string[];
  engaged?: string[];
  json?: boolean;
  out?: string;
}

export { registerSimulate } from '../program.ts';

/** `herald simulate <journey> --profile <file>` (cli/program.ts). */
export function simulateCommand(arg: string, options: SimulateCliOptions): Promise<void> {
  return runTool(async () => {
    const { file, journey, vocabulary } = loadJourney(arg);
    // An audience journey judges the customer by its folder's segments, as the deploy does.
    const segments =
      journey.entry.segment === undefined ? undefined : loadSegments(path.dirname(file), vocabulary);
    const at = options.at === undefined ? undefined : parseAt(options.at);
    const sample = loadSample(journey, {
      profile: options.profile,
      ...(options.events ? { events: options.events } : {}),
      ...(options.products ? { products: options.products } : {}),
      vocabulary,
    });
    if (options.events) checkEventsBelongTo(options.events, sample.events, sample.profile.id);
    const { timeline } = await simulate({
      journey,
      profile: sample.profile,
      events: sample.events,
      products: sample.products,
      config: loadPolicy(options.policy),
      vocabulary,
      ...(segments ? { segments } : {}),
      ...(options.sent ? { sent: loadSent(options.sent) } : {}),
      ...(at ? { at } : {}),
      ...(options.providerFault ? { providerFaults: options.providerFault.map(parseFault) } : {}),
      ...(options.engaged ? { engagement: options.engaged.map((e) => parseEngaged(e, journey)) } : {}),
    });
    process.stdout.write(options.json ? `${JSON.stringify(timeline, null, 2)}\n` : timelineText(timeline));
    if (options.out) {
      writeOutput(options.out, timelineHtml(timeline));
      if (!options.json) process.stdout.write(`  open ${options.out}\n`);
    }
  });
}

const FAULT = /^(email|sms|push):(in_doubt|retry_later|rejected)$/;

function parseFault(text: string): SimulatedProviderFault {
  const match = FAULT.exec(text);
  if (match) {
    return {
      channel: match[1] as SimulatedProviderFault['channel'],
      outcome: match[2] as SimulatedProviderFault['outcome'],
      times: 1,
    };
  }
  throw new ToolInputError(
    'option.invalid',
    [
      {
        file: '--provider-fault',
        code: 'option.invalid',
        path: '',
        line: 1,
        column: 1,
        message: `\`${text}\` is not <channel>:<outcome>, e.g. sms:in_doubt, email:retry_later or push:rejected`,
        severity: 'error',
      },
    ],
    'bad option:',
  );
}

const ENGAGED = /^([a-z][a-z0-9_-]{0,63}):(open|click)(?:@(.+))?$/;

function parseEngaged(text: string, journey: Journey): SimulatedEngagement {
  const match = ENGAGED.exec(text);
  const step = match ? journey.steps[match[1]!] : undefined;
  const after = match?.[3];
  const fault = !match
    ? `\`${text}\` is not <step>:<open|click>[@duration], e.g. send-review-email:open@PT3H`
    : step?.type !== 'send'
      ? `\`${match[1]}\` is not a send step of journey \`${journey.id}\``
      : after !== undefined && !isPositive(after)
        ? `\`${after}\` is not a positive ISO 8601 duration such as PT3H or P1D`
        : undefined;
  if (!fault && match) {
    return { step: match[1]!, with: match[2] as 'open' | 'click', ...(after ? { after } : {}) };
  }
  throw new ToolInputError(
    'option.invalid',
    [
      {
        file: '--engaged',
        code: 'option.invalid',
        path: '',
        line: 1,
        column: 1,
        message: fault ?? `\`${text}\` is not valid`,
        severity: 'error',
      },
    ],
    'bad option:',
  );
}

function isPositive(text: string): boolean {
  const reading = readDuration(text);
  return reading.ok && reading.duration.toMillis() > 0;
}

function parseAt(text: string): Date {
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(ms)) return new Date(ms);
  throw new ToolInputError(
    'option.invalid',
    [
      {
        file: '--at',
        code: 'option.invalid',
        path: '',
        line: 1,
        column: 1,
        message: `\`${text}\` is not an ISO time such as 2026-03-10T23:30:00+03:30`,
        severity: 'error',
      },
    ],
    'bad option:',
  );
}
