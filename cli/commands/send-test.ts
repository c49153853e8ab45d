/**
 * `herald send-test <journey> <step> --to seeds.json [--locale ar] [--profile sample.json]`: renders
 * one send step's message for a sample profile (the journey's example, or `--profile`) and sends it
 * to every seed address through the providers (functions/app/test-send.ts). Locally the providers
 * are the stand-ins the demo runs (local/stack.ts): a fresh SES stand-in, or `--ses-endpoint` one
 * already running, e.g. `npm start -- --serve`'s on http://127.0.0.1:8005, whose page shows the mail.
 * With `--deployed` the providers are the deployed ones (send-test-deployed.ts): SES and Pinpoint
 * through the real SDK and the default credential chain, the ledger record in `--table`.
 */
import { readFileSync } from 'node:fs';
import { createRenderer } from '../../engine/policy/index.ts';
import type { SendStep } from '../../engine/schema.ts';
import { validateSeedList } from '../../engine/seed-list.ts';
import type { Problem } from '../../engine/validate/index.ts';
import { didYouMean } from '../../engine/validate/suggest.ts';
import { sendTest } from '../../functions/app/test-send.ts';
import { startLocalStack } from '../../local/stack.ts';
import { runTool } from '../../tools/cli/output.ts';
import { loadJourney, ToolInputError } from '../../tools/load.ts';
import { loadSample } from '../../tools/samples.ts';
import { type DeployedSendOptions, deployedProviders } from './send-test-deployed.ts';

export interface SendTestOptions extends DeployedSendOptions {
  to: string;
  deployed?: boolean;
  locale?: string;
  profile?: string;
  events?: string;
  products?: string;
  json?: boolean;
}

/** The options that name deployed resources: meaningless (and refused) without `--deployed`. */
const DEPLOYED_FLAGS = [
  ['region', '--region'],
  ['from', '--from'],
  ['configurationSet', '--configuration-set'],
  ['pinpointApp', '--pinpoint-app'],
  ['table', '--table'],
  ['endpoint', '--endpoint'],
  ['pinpointEndpoint', '--pinpoint-endpoint'],
] as const;

/** Test messages carry this in place of a signed unsubscribe link: it unsubscribes nobody. */
export const TEST_UNSUBSCRIBE_URL = 'https://herald.invalid/unsubscribe?test=1';

export { registerSendTest } from '../program.ts';

const problem = (
  file: string,
  code: string,
  path: string,
  message: string,
  suggestion?: string,
): Problem => ({
  file,
  code,
  path,
  line: 1,
  column: 1,
  message,
  severity: 'error',
  ...(suggestion ? { suggestion } : {}),
});

/** `herald send-test` (cli/program.ts). */
export function sendTestCommand(journeyArg: string, stepId: string, options: SendTestOptions): Promise<void> {
  return runTool(async () => {
    const { journey, file } = loadJourney(journeyArg);
    const step = journey.steps[stepId];
    if (step?.type !== 'send') {
      const sends = Object.entries(journey.steps)
        .filter(([, s]) => s.type === 'send')
        .map(([id]) => id);
      const near = didYouMean(stepId, sends);
      throw new ToolInputError(
        'option.invalid',
        [
          problem(
            file,
            'option.invalid',
            `/steps/${stepId}`,
            step ? `step \`${stepId}\` is a ${step.type} step, not a send` : `there is no step \`${stepId}\``,
            `${near ? `did you mean \`${near}\`? ` : ''}send steps: ${sends.join(', ')}`,
          ),
        ],
        'bad step:',
      );
    }
    const deployedOnly = DEPLOYED_FLAGS.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (!options.deployed && deployedOnly.length > 0) {
      throw new ToolInputError(
        'option.invalid',
        [
          problem(
            file,
            'option.invalid',
            deployedOnly[0] as string,
            `${deployedOnly.join(', ')} ${deployedOnly.length > 1 ? 'apply' : 'applies'} only with --deployed`,
            'add --deployed to send through the deployed providers, or drop them to use the local stand-ins',
          ),
        ],
        'bad options:',
      );
    }
    const seeds = readSeeds(options.to);
    const sample = loadSample(journey, options);
    const stack = options.deployed
      ? await deployedProviders(options, seeds)
      : await startLocalStack(options.sesEndpoint ? { sesEndpoint: options.sesEndpoint } : {});
    try {
      const results = await sendTest(
        {
          email: stack.email,
          messaging: stack.messaging,
          store: stack.store,
          renderer: createRenderer(),
          clock: { now: () => new Date() },
          unsubscribeUrl: TEST_UNSUBSCRIBE_URL,
        },
        {
          journey,
          stepId,
          step: step as SendStep,
          profile: sample.profile,
          event: sample.entryEvent,
          ...(sample.product ? { product: sample.product } : {}),
          ...(options.locale ? { locale: options.locale } : {}),
          seeds,
        },
      );
      if (options.json) process.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
      else {
        for (const r of results) {
          const mark = r.status === 'sent' ? '✓' : '✗';
          const locale = r.locale ? ` (${r.locale})` : '';
          process.stdout.write(`${mark} test ${r.channel}${locale} to seed ${r.seed}: ${r.status}\n`);
        }
        if (results.length === 0) process.stdout.write('✗ no seed has an address for this step’s channels\n');
        else if (options.deployed) {
          process.stdout.write(
            options.table
              ? `  recorded as tests in the ledger of table ${options.table}\n`
              : '  no ledger record kept (give --table to record the test sends)\n',
          );
        }
      }
      if (results.length === 0 || results.some((r) => r.status !== 'sent')) process.exitCode = 1;
    } finally {
      await stack.stop();
    }
  });
}

function readSeeds(file: string) {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const message = (cause as NodeJS.ErrnoException).code ? 'cannot read the seed list' : 'not valid JSON';
    throw new ToolInputError(
      'seed_list.unreadable',
      [problem(file, 'seed_list.unreadable', '', message)],
      `bad seed list ${file}:`,
    );
  }
  const result = validateSeedList(value);
  if (!result.ok) {
    throw new ToolInputError(
      'seed_list.invalid',
      result.problems.map((p) => problem(file, p.code, p.path, p.message, p.suggestion)),
      `bad seed list ${file}:`,
    );
  }
  return result.seeds;
}
