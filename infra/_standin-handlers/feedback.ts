// TEMPORARY stand-in for functions/handlers/feedback.ts so infra synthesises before it lands. Delete then.
export async function handler(): Promise<never> {
  throw new Error('functions/handlers/feedback.ts has not landed yet');
}
