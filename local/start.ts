/**
 * `npm start [-- --customers N --days D --seed S --out DIR --serve]`: the whole system on this
 * machine — the demo month, a summary per journey, step and channel, the invariant checks and an
 * HTML report. `--serve` keeps the stand-ins up to browse the sent emails in aws-ses-v2-local.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.ts';
import { renderReport } from './report.ts';
import { boundDefinition } from './runner.ts';
import { formatSummary } from './summary-text.ts';

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
  .option('--serve', 'keep the stand-ins running after the run (Ctrl-C to stop)', false)
  .option('--ses-port <port>', 'port for aws-ses-v2-local with --serve', integer(0), 8005)
  .option('--no-progress', 'no progress bar');

program.parse(process.argv.filter((arg, i) => !(i === 2 && arg === '--')));
const opts = program.opts<{
  customers: number;
  days: number;
  seed: number;
  start: string;
  out: string;
  serve: boolean;
  sesPort: number;
  progress: boolean;
}>();
const start = new Date(opts.start);
if (Number.isNaN(start.getTime())) program.error('--start must be an ISO timestamp');

const t0 = performance.now();
process.stderr.write(
  `Herald local demo: ${opts.customers} customers, ${opts.days} simulated days from ${start.toISOString()}, seed ${opts.seed}\n`,
);
const result = await runDemo({
  customers: opts.customers,
  days: opts.days,
  seed: opts.seed,
  start,
  progress: opts.progress && process.stderr.isTTY === true,
  keepRunning: opts.serve,
  ...(opts.serve ? { sesPort: opts.sesPort } : {}),
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
    journeys: result.system.journeys,
    definitions: Object.fromEntries(result.system.journeys.map((j) => [j.id, boundDefinition(j)])),
    summary: result.summary,
    checks: result.checks,
    executions: result.executions,
    ledger: result.ledger,
    emails: result.emails,
    sink: result.sink,
  }),
);
process.stdout.write(`\nReport: ${reportFile}\n`);

const failed = result.checks.some((c) => c.violations.length > 0) || result.errors.length > 0;
if (opts.serve) {
  // Real time from here on: the stand-ins serve a person, not the simulation.
  result.system.clock.uninstall();
  process.stdout.write(
    `\nStand-ins are up (Ctrl-C to stop):\n  SES emails (aws-ses-v2-local): ${result.system.stack.ses.endpoint}/\n  DynamoDB (dynalite):           ${result.system.stack.dynamo.endpoint}\n  Pinpoint sink:                 ${result.system.stack.pinpoint.endpoint}\n`,
  );
  const stop = async () => {
    await result.system.stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} else {
  process.exitCode = failed ? 1 : 0;
}
