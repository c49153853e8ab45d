/**
 * The subset of Amazon States Language (JSONPath flavour) that Herald compiles to.
 *
 * Only the fields the compiler emits are modelled; the shapes match both AWS Step Functions and
 * aws-local-stepfunctions, which runs the very same definitions on a laptop.
 */
import { assertUnreachable } from '../assert.ts';

export type AslJson = null | boolean | number | string | AslJson[] | { [key: string]: AslJson };

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface AslCatcher {
  ErrorEquals: string[];
  ResultPath?: string;
  Next: string;
}

interface Transition {
  Next?: string;
  End?: true;
}

export interface AslTaskState extends Transition {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters: { [key: string]: AslJson };
  ResultPath?: string;
  TimeoutSeconds?: number;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
}

/** A JSONPath Choice rule: a string comparison, or whether the path is present at all. */
export type AslChoiceRule =
  | { Variable: string; StringEquals: string; Next: string }
  | { Variable: string; IsPresent: boolean; Next: string };

export interface AslChoiceState {
  Type: 'Choice';
  Comment?: string;
  Choices: AslChoiceRule[];
  Default?: string;
}

export interface AslWaitState extends Transition {
  Type: 'Wait';
  Comment?: string;
  Seconds?: number;
  TimestampPath?: string;
}

export interface AslSucceedState {
  Type: 'Succeed';
  Comment?: string;
}

export interface AslFailState {
  Type: 'Fail';
  Comment?: string;
  Error?: string;
  Cause?: string;
}

export type AslState = AslTaskState | AslChoiceState | AslWaitState | AslSucceedState | AslFailState;

export interface AslDefinition {
  Comment?: string;
  QueryLanguage: 'JSONPath';
  StartAt: string;
  States: Record<string, AslState>;
}

/** Every state a state transitions to: `Next`, each Choice rule and `Default`, each Catch. */
export function successors(state: AslState): string[] {
  const out: string[] = [];
  switch (state.Type) {
    case 'Task':
      if (state.Next !== undefined) out.push(state.Next);
      for (const c of state.Catch ?? []) out.push(c.Next);
      break;
    case 'Wait':
      if (state.Next !== undefined) out.push(state.Next);
      break;
    case 'Choice':
      for (const rule of state.Choices) out.push(rule.Next);
      if (state.Default !== undefined) out.push(state.Default);
      break;
    case 'Succeed':
    case 'Fail':
      break;
    default:
      return assertUnreachable(state);
  }
  return [...new Set(out)];
}

export function isTerminal(state: AslState): boolean {
  return state.Type === 'Succeed' || state.Type === 'Fail' || ('End' in state && state.End === true);
}
