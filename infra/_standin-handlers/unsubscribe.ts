// TEMPORARY stand-in for functions/handlers/unsubscribe.ts so infra synthesises before it lands. Delete then.
export async function handler(): Promise<never> {
  throw new Error('functions/handlers/unsubscribe.ts has not landed yet');
}
