/** cdk.json entry: `npx cdk synth` / `npx cdk deploy` run this file (via tsx). */
import { JourneyValidationError } from './engine.ts';
import { createHeraldApp } from './herald-app.ts';

try {
  const { app } = createHeraldApp();
  app.synth();
} catch (error) {
  // An invalid journey is the marketer's to fix: show the validator's report, not a stack trace.
  if (!(error instanceof JourneyValidationError)) throw error;
  process.stderr.write(`\n${error.message}\n\nFix the journey and run the synth again.\n`);
  process.exitCode = 1;
}
