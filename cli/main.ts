import { Command } from 'commander';
import { registerCatalog } from './commands/catalog.ts';
import { registerCompile } from './commands/compile.ts';
import { registerGraph } from './commands/graph.ts';
import { registerPreview } from './commands/preview.ts';
import { registerRelease } from './commands/release.ts';
import { registerSchema } from './commands/schema.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerValidate } from './commands/validate.ts';

const program = new Command()
  .name('herald')
  .description('Herald: validate, compile, preview and simulate customer journeys; load the product catalog')
  .showHelpAfterError();

registerSchema(program);
registerValidate(program);
registerCompile(program);
registerRelease(program);
registerGraph(program);
registerPreview(program);
registerSimulate(program);
registerCatalog(program);

await program.parseAsync(process.argv);
