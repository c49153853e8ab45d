/** cdk.json entry: `npx cdk synth` / `npx cdk deploy` run this file (via tsx). */
import { createHeraldApp } from './herald-app.ts';

const { app } = createHeraldApp();
app.synth();
