/**
 * The ajv standalone code of the journey and data-dictionary schema checks: what cli/build.mjs puts
 * in place of engine/validate/precompiled.ts in the built CLI. Same schemas and options as the
 * validators compiled at run time (schema-check.ts, dictionary.ts); test/unit/validate-standalone.test.ts
 * runs this code against them. Build and tests only: the validator never imports it.
 */
import { Ajv } from 'ajv';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { DataDictionary } from '../dictionary.ts';
import { SCHEMA_AJV_OPTIONS } from './ajv-options.ts';
import { journeySchemaForAjv } from './schema-check.ts';

type StandaloneCode = (ajv: Ajv, validate: ReturnType<Ajv['compile']>) => string;
const standaloneCode = ((standaloneCodeModule as unknown as { default?: StandaloneCode }).default ??
  standaloneCodeModule) as unknown as StandaloneCode;

function compiler(): Ajv {
  return new Ajv({ ...SCHEMA_AJV_OPTIONS, code: { ...SCHEMA_AJV_OPTIONS.code, source: true } });
}

/**
 * Each check as a CommonJS module (`module.exports` is the validate function; it `require`s ajv's
 * small run-time helpers, which esbuild bundles).
 */
export function standaloneValidators(): { journey: string; dictionary: string } {
  const journeyAjv = compiler();
  const { root, condition } = journeySchemaForAjv();
  if (condition) journeyAjv.addSchema(condition);
  const dictionaryAjv = compiler();
  return {
    journey: standaloneCode(journeyAjv, journeyAjv.compile(root)),
    dictionary: standaloneCode(dictionaryAjv, dictionaryAjv.compile(DataDictionary)),
  };
}
