// asl-validator 4 ships no type declarations; this is the part of its API Herald uses.
declare module 'asl-validator' {
  /** Either a semantic check's finding or an ajv schema error. */
  interface AslValidatorError {
    'Error code'?: string;
    Message?: string;
    instancePath?: string;
    message?: string;
    [key: string]: unknown;
  }
  interface AslValidatorResult {
    isValid: boolean;
    errors: AslValidatorError[];
    errorsText: (separator?: string) => string;
  }
  function aslValidator(
    definition: Record<string, unknown>,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidatorResult;
  export default aslValidator;
}
