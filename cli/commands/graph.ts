import path from 'node:path';
import { runTool, writeOutput } from '../../tools/cli/output.ts';
import { type GraphFormat, renderGraph } from '../../tools/graph/index.ts';
import { loadJourney, ToolInputError } from '../../tools/load.ts';

export { registerGraph } from '../program.ts';

/** `herald graph <journey>` (cli/program.ts). */
export function graphCommand(arg: string, options: { out?: string; format?: string }): Promise<void> {
  return runTool(() => {
    const { journey, file } = loadJourney(arg);
    const out = options.out ?? path.join('out', 'graphs', `${journey.id}.html`);
    const format = graphFormat(options.format, out);
    const text = renderGraph(journey, format);
    if (out === '-') {
      process.stdout.write(text);
      return;
    }
    writeOutput(out, text);
    process.stdout.write(`${out}  (${Object.keys(journey.steps).length} steps of ${file})\n`);
  });
}

function graphFormat(option: string | undefined, out: string): GraphFormat {
  const wanted = option ?? (out.toLowerCase().endsWith('.html') ? 'html' : 'svg');
  if (wanted === 'svg' || wanted === 'html') return wanted;
  throw new ToolInputError(
    'option.invalid',
    [
      {
        file: '--format',
        code: 'option.invalid',
        path: '',
        line: 1,
        column: 1,
        message: `unknown format \`${wanted}\`: use svg or html`,
        severity: 'error',
      },
    ],
    'bad option:',
  );
}
