import path from 'node:path';
import { didYouMean } from '../../engine/validate/suggest.ts';
import { runTool, writeOutput } from '../../tools/cli/output.ts';
import { loadJourney, ToolInputError } from '../../tools/load.ts';
import { previewHtml } from '../../tools/preview/html.ts';
import { previewJourney } from '../../tools/preview/index.ts';
import { previewSummary } from '../../tools/preview/text.ts';
import { loadSample } from '../../tools/samples.ts';

interface PreviewOptions {
  profile?: string;
  events?: string;
  products?: string;
  out?: string;
  json?: boolean;
  message?: string[];
  locale?: string[];
}

export { registerPreview } from '../program.ts';

/** `herald preview <journey>` (cli/program.ts). */
export function previewCommand(arg: string, options: PreviewOptions): Promise<void> {
  return runTool(() => {
    const { journey, warnings, file, vocabulary } = loadJourney(arg);
    const sample = loadSample(journey, { ...options, vocabulary });
    const report = previewJourney(
      journey,
      {
        profile: sample.profile,
        event: sample.entryEvent,
        ...(sample.product ? { product: sample.product } : {}),
        sources: sample.sources,
      },
      warnings,
      {
        ...(options.message ? { messages: options.message } : {}),
        ...(options.locale ? { locales: options.locale } : {}),
      },
    );
    const unknown = (options.message ?? []).filter((id) => !Object.hasOwn(journey.messages, id));
    if (unknown.length > 0) {
      throw new ToolInputError(
        'option.invalid',
        unknown.map((id) => ({
          file,
          code: 'option.invalid',
          path: '/messages',
          line: 1,
          column: 1,
          message: `there is no message \`${id}\` in this journey (it has ${Object.keys(journey.messages).join(', ')})`,
          severity: 'error' as const,
          ...(didYouMean(id, Object.keys(journey.messages))
            ? { suggestion: `did you mean \`${didYouMean(id, Object.keys(journey.messages))}\`?` }
            : {}),
        })),
        'bad --message:',
      );
    }
    const dir = options.out ?? path.join('out', 'preview', journey.id);
    const index = path.join(dir, 'index.html');
    writeOutput(index, previewHtml(report));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...report, written: index }, null, 2)}\n`);
    } else {
      process.stdout.write(previewSummary(report, index));
    }
  });
}
