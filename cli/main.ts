/** The `herald` command (cli/bin.js runs its build; `npm run herald` runs it through tsx). */
import { heraldProgram } from './program.ts';

await heraldProgram().parseAsync(process.argv);
