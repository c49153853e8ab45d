import type { Command } from 'commander';
import { runTool, writeOutput } from '../../tools/cli/output.ts';
import { checkEventsBelongTo, loadJourney, loadPolicy, loadSent, ToolInputError } from '../../tools/load.ts';
import { loadSample } from '../../tools/samples.ts';
import { timelineHtml } from '../../tools/simulate/html.ts';
import { type SimulatedProviderFault, simulate, timelineText } from '../../tools/simulate/index.ts';

interface SimulateCliOptions {
  profile: string;
  events?: string;
  products?: string;
  sent?: string;
  policy?: string;
  at?: string;
  providerFault?: string[];
  json?: boolean;
  out?: string;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'run one customer through a journey in simulated time with the real runtime (nothing is sent) and show the timeline',
    )
    .argument('<journey>', 'a journey file, or the id of one in workflows/ (e.g. welcome)')
    .requiredOption('--profile <file>', 'the customer: a profile JSON file (see examples/)')
    .option(
      '--events <file>',
      'the customer’s events, in any order (a sample entry event is added when none starts the journey)',
    )
    .option('--products <file>', 'catalog for per-product journeys (default examples/products.json)')
    .option('--sent <file>', 'messages the customer already received, which count against frequency caps')
    .option('--policy <file>', 'quiet hours and caps (default workflows/policy.json)')
    .option('--at <iso>', 'move the script so that the journey’s entry event happens at this time')
    .option(
      '--provider-fault <channel:outcome>',
      'make a provider misbehave once, e.g. sms:in_doubt (answer lost after accepting), email:retry_later (throttled), push:rejected; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--json', 'print the timeline as JSON')
    .option(
      '--out <file>',
      'also write the timeline as an HTML page (messages shown as the customer sees them)',
    )
    .action((arg: string, options: SimulateCliOptions) =>
      runTool(async () => {
        const { journey, vocabulary } = loadJourney(arg);
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
          ...(options.sent ? { sent: loadSent(options.sent) } : {}),
          ...(at ? { at } : {}),
          ...(options.providerFault ? { providerFaults: options.providerFault.map(parseFault) } : {}),
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(timeline, null, 2)}\n` : timelineText(timeline),
        );
        if (options.out) {
          writeOutput(options.out, timelineHtml(timeline));
          if (!options.json) process.stdout.write(`  open ${options.out}\n`);
        }
      }),
    );
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
