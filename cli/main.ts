import { Command } from 'commander';
import { registerCompile } from './commands/compile.ts';
import { registerGraph } from './commands/graph.ts';
import { registerPreview } from './commands/preview.ts';
import { registerRelease } from './commands/release.ts';
import { registerSchema } from './commands/schema.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerValidate } from './commands/validate.ts';

const program = new Command()
  .name('herald')
  .description('Herald: validate, compile, preview and simulate customer journeys')
  .showHelpAfterError();

registerSchema(program);
registerValidate(program);
registerCompile(program);
registerRelease(program);
registerGraph(program);
registerPreview(program);
registerSimulate(program);

await program.parseAsync(process.argv);
