/**
 * The schema checks a valid journey or data dictionary passes, compiled ahead of time. In the
 * sources there are none (`undefined`): schema-check.ts and dictionary.ts compile them with ajv on
 * first use. The built CLI replaces this module with the ajv standalone code of the same schemas
 * and options (cli/build.mjs, engine/validate/standalone.ts), so `herald validate` compiles no
 * schema for a valid file; test/unit/validate-standalone.test.ts holds the two to the same answers.
 *
 * Only "valid or not" is read from these: a file that fails is judged again by the run-time
 * validator, whose errors make the findings.
 */
export type PrecompiledCheck = (data: unknown) => boolean;

export const PRECOMPILED: { journey: PrecompiledCheck; dictionary: PrecompiledCheck } | undefined = undefined;
