import { writeFileSync } from 'node:fs';
import { runDemo } from './local/demo.ts';

for (const execution of ['standard', 'scale'] as const) {
  const t0 = Date.now();
  const r = await runDemo({
    customers: 15,
    days: 10,
    seed: 7,
    start: new Date('2026-03-02T00:00:00Z'),
    shards: 1,
    progress: false,
    execution,
  });
  const decisions = r.ledger
    .filter((l) => l.kind === 'send' || l.kind === 'decision')
    .map((l) =>
      [l.customerId, l.journeyId, l.stepId, l.outcome, l.channel, l.variant, l.at, (l as any).until].join(
        ' ',
      ),
    )
    .sort();
  writeFileSync(`/tmp/dec-${execution}.txt`, decisions.join('\n'));
  const mail = r.emailReceipts.map((e: any) => JSON.stringify(e)).sort();
  writeFileSync(`/tmp/mail-${execution}.txt`, mail.join('\n'));
  console.log(
    execution,
    r.ledger.length,
    r.emails.length,
    r.sink.length,
    r.executions.length,
    r.errors.slice(0, 3),
    r.checks
      .filter((c) => c.violations.length)
      .map((c) => c.name + ': ' + c.violations.slice(0, 2).join('|')),
    Date.now() - t0,
  );
  await r.ses.stop();
}
