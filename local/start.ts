/**
 * `npm start [-- --customers N --days D --seed S --out DIR --serve]`: the whole system on this
 * machine — the demo month, a summary per journey, step and channel, the invariant checks and an
 * HTML report. `--serve` keeps aws-ses-v2-local up afterwards to browse the sent emails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { JourneyValidationError } from '../engine/validate/index.ts';
import { formatProblemsWithFrames } from '../tools/cli/code-frame.ts';
import { writeReport } from '../tools/report/write.ts';
import { defaultShards, runDemo } from './demo.ts';
import { renderReport } from './report.ts';
import { boundDefinition } from './runner.ts';
import { formatSummary } from './summary-text.ts';

// The demo runs on Node 20 by design (see DESIGN.md); the SDK's notice about Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return n;
};

const program = new Command()
  .name('npm start --')
  .description('Herald on this machine: real handlers, compiled workflows, local stand-ins, simulated time')
  .option('--customers <n>', 'customers in the synthetic audience', integer(1), 1000)
  .option('--days <n>', 'simulated days', integer(1), 30)
  .option('--seed <n>', 'seed for the synthetic world (same seed, same run)', integer(0), 42)
  .option('--start <iso>', 'simulated start (UTC)', '2026-03-02T00:00:00.000Z')
  .option('--out <dir>', 'where to write the report', path.join('out', 'demo'))
  .option('--serve', 'keep aws-ses-v2-local running afterwards to browse the emails (Ctrl-C to stop)', false)
  .option('--ses-port <port>', 'port for aws-ses-v2-local', integer(0))
  .option('--workflows <dir>', 'the folder of *.journey.json to run (default: workflows/)')
  .option('--shards <n>', 'worker threads (1: run in this thread)', integer(1), defaultShards())
  .option('--no-progress', 'no progress bar: one line per simulated day instead')
  .addOption(
    new Option(
      '--execution <mode>',
      'run every journey in this mode: standard (Standard executions) or scale (Express segments, Scheduler timers); default: each journey’s own',
    ).choices(['standard', 'scale', 'journey']),
  );

program.parse(process.argv.filter((arg, i) => !(i === 2 && arg === '--')));
const opts = program.opts<{
  customers: number;
  days: number;
  seed: number;
  start: string;
  out: string;
  serve: boolean;
  sesPort?: number;
  shards: number;
  progress: boolean;
  workflows?: string;
  execution?: 'standard' | 'scale' | 'journey';
}>();
const start = new Date(opts.start);
if (Number.isNaN(start.getTime())) program.error('--start must be an ISO timestamp');

const t0 = performance.now();
process.stderr.write(
  `Herald local demo: ${opts.customers} customers, ${opts.days} simulated days from ${start.toISOString()}, seed ${opts.seed}${opts.execution && opts.execution !== 'journey' ? `, every journey in ${opts.execution} mode` : ''}\n`,
);
const result = await runDemo({
  ...(opts.workflows ? { journeysDir: opts.workflows } : {}),
  customers: opts.customers,
  days: opts.days,
  seed: opts.seed,
  start,
  shards: opts.shards,
  ...(opts.execution && opts.execution !== 'journey' ? { execution: opts.execution } : {}),
  // A bar on a terminal; otherwise (or --no-progress) one line per simulated day, for logs.
  progress: opts.progress && process.stderr.isTTY === true ? true : 'lines',
  ...(opts.sesPort === undefined ? (opts.serve ? { sesPort: 8005 } : {}) : { sesPort: opts.sesPort }),
}).catch((error: unknown) => {
  // A marketer's mistake in a journey: the validator's problem list, not a stack trace.
  if (!(error instanceof JourneyValidationError)) throw error;
  const errors = error.problems.filter((p) => p.severity === 'error');
  const files = [...new Set(errors.map((p) => p.file))];
  process.stderr.write(
    `✗ the demo did not start: ${files.join(', ')} ${files.length === 1 ? 'is not a valid journey' : 'are not valid journeys'} (\`npx herald validate\` checks them)\n${formatProblemsWithFrames(errors)}\n`,
  );
  process.exit(1);
});
const totalMs = performance.now() - t0;
process.stdout.write(formatSummary(result, { totalMs }));

mkdirSync(opts.out, { recursive: true });
const reportFile = path.resolve(opts.out, 'report.html');
writeFileSync(
  reportFile,
  renderReport({
    title: 'Herald local demo',
    facts: {
      customers: String(opts.customers),
      'simulated days': String(opts.days),
      seed: String(opts.seed),
      start: start.toISOString(),
      'events ingested': String(result.counts.events),
      'feedback events': String(result.counts.feedback),
      'real time': `${(totalMs / 1000).toFixed(1)} s`,
    },
    journeys: result.journeys,
    definitions: Object.fromEntries(result.journeys.map((j) => [j.id, boundDefinition(j)])),
    summary: result.summary,
    analytics: result.analytics,
    checks: result.checks,
    executions: result.executions,
    ledger: result.ledger,
    emails: result.emails,
    sink: result.sink,
  }),
);
// Test and learn, from the tables' records exactly as `herald report` writes it.
const analyticsFiles = writeReport(result.analytics, path.resolve(opts.out), {
  customers: String(opts.customers),
  'simulated days': String(opts.days),
  seed: String(opts.seed),
});
process.stdout.write(
  `\nReport: ${reportFile}\nTest and learn: ${analyticsFiles.html} (and ${path.basename(analyticsFiles.json)})\n`,
);

const failed = result.checks.some((c) => c.violations.length > 0) || result.errors.length > 0;
if (opts.serve) {
  process.stdout.write(
    `\nThe emails are browsable in aws-ses-v2-local: ${result.ses.endpoint}/  (Ctrl-C to stop)\n`,
  );
  const stop = async () => {
    await result.ses.stop();
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} else {
  await result.ses.stop();
  process.exitCode = failed ? 1 : 0;
}
