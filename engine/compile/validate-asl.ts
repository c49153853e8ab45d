import aslValidator from 'asl-validator';
import type { AslDefinition } from './asl.ts';

export interface AslCheck {
  valid: boolean;
  errors: string[];
}

/**
 * Checks a definition with asl-validator (schema, transition targets, terminal states, paths).
 * The `${StepFunctionArn}` placeholder passes as a substitution variable. The validator annotates
 * the object it is given, so it gets a copy.
 */
export function validateAsl(def: AslDefinition): AslCheck {
  const copy = structuredClone(def) as unknown as Record<string, unknown>;
  const { isValid, errors } = aslValidator(copy, { checkPaths: true, checkArn: true });
  return {
    valid: isValid,
    errors: errors.map((e) =>
      e.Message !== undefined
        ? `${e['Error code']}: ${e.Message}`
        : `${e.instancePath ?? ''} ${e.message ?? ''}`.trim(),
    ),
  };
}
