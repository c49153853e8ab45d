/** Writes the analytics report as `analytics.html` and `analytics.json` side by side (herald report, npm start). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalyticsReport } from '../../engine/analytics/report-model.ts';
import { analyticsPage } from './analytics-html.ts';

export function writeReport(
  report: AnalyticsReport,
  outDir: string,
  facts: Record<string, string>,
): { html: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, 'analytics.html');
  const json = path.join(outDir, 'analytics.json');
  writeFileSync(html, analyticsPage(report, 'Herald — test and learn', facts));
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { html, json };
}
