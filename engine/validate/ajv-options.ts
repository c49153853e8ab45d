import type { Options } from 'ajv';

/**
 * How the journey and data-dictionary schemas are compiled, at run time (schema-check.ts,
 * dictionary.ts) and ahead of time for the built CLI (standalone.ts): one set of options, so the
 * two compile the same code.
 */
export const SCHEMA_AJV_OPTIONS = Object.freeze({
  allErrors: true,
  strict: false,
  // Our own TypeBox schemas, fixed at build time (test/unit/journey-schema.test.ts checks them):
  // checking them against the JSON Schema meta-schema at every start, and optimizing the code
  // generated for them, were a third of `herald validate`'s start-up (issue 17). Same answers.
  validateSchema: false,
  code: Object.freeze({ optimize: false }),
}) satisfies Options;
