/**
 * One lenient Liquid parse per template source, shared by the checks that only read a template's
 * tree: the `{% render %}` calls (engine/partials.ts) and the variables it reads
 * (engine/validate/template-vars.ts). Lenient about filters: an unknown one is the validator's
 * `template.unknown-filter` (engine/validate/content.ts parses with the renderer's own settings).
 * Each of the two parsed every template with an engine of its own, the same settings but for
 * filesystem ones no parse reads; one parse is a third of the Liquid parsing of `herald validate`
 * (issue 17). Trees are only read, never rendered.
 */
import { Liquid, type Template } from 'liquidjs';

// Never renders: the locale (the `date` filter's) is named so that liquidjs does not ask Intl for
// the system's, tens of milliseconds at start-up (issue 17).
export const lenientLiquid = new Liquid({ strictFilters: false, strictVariables: false, locale: 'en-US' });

const trees = new Map<string, { templates: Template[] } | { error: unknown }>();
const MAX_CACHED = 2_000;

/**
 * Takes the tree of a parse with the renderer's settings (engine/validate/content.ts) as this
 * source's lenient tree: the same tags and the same syntax, and a parse that accepts every filter
 * gives the same tree as one that knew them all (only a filter's handler differs, and no tree here
 * is rendered). So each template of `herald validate` is parsed once, not twice (issue 17).
 */
export function rememberTree(source: string, templates: Template[]): void {
  if (trees.has(source)) return;
  if (trees.size >= MAX_CACHED) trees.clear();
  trees.set(source, { templates });
}

/** The template's tree; throws what liquidjs throws for a template it cannot parse. */
export function parseLenient(source: string): Template[] {
  let tree = trees.get(source);
  if (!tree) {
    try {
      tree = { templates: lenientLiquid.parse(source) };
    } catch (error) {
      tree = { error };
    }
    if (trees.size >= MAX_CACHED) trees.clear();
    trees.set(source, tree);
  }
  if ('error' in tree) throw tree.error;
  return tree.templates;
}
