// TEMPORARY stand-in for functions/handlers/step.ts so infra synthesises before it lands. Delete then.
export async function handler(): Promise<never> {
  throw new Error('functions/handlers/step.ts has not landed yet');
}
