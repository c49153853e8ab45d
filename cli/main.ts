import { Command } from 'commander';
import { registerSchema } from './commands/schema.ts';

const program = new Command()
  .name('herald')
  .description('Herald: validate, compile, preview and simulate customer journeys')
  .showHelpAfterError();

registerSchema(program);

await program.parseAsync(process.argv);
