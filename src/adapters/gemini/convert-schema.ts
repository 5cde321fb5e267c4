import { isRecord } from '../openai-compatible/is-record.js';

type Schema = Record<string, unknown>;

/** Keywords Gemini's `Schema` (an OpenAPI 3.0 subset) accepts and that carry over from JSON Schema as they are. */
const COPIED_KEYWORDS = [
  'title',
  'description',
  'pattern',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
] as const;
/** `format` values the Gemini API accepts; others (`email`, `uri`, ...) fail the request, so they are dropped. */
const SUPPORTED_FORMATS: ReadonlySet<string> = new Set([
  'enum',
  'date-time',
  'float',
  'double',
  'int32',
  'int64',
]);
/** Deeper nodes are dropped: a guard against pathological schemas (cycles are cut earlier, where a `$ref` repeats). */
const MAX_DEPTH = 32;
/** Gemini rejects an array without `items`; JSON Schema's "anything" has no Gemini equivalent. */
const DEFAULT_ITEMS: Schema = { type: 'string' };

interface Definitions {
  readonly root: Schema;
}

/**
 * A JSON Schema (tool parameters, a `json_schema` response format) as Gemini's `Schema`, the whole tree kept
 * (never flattened). Gemini accepts only a subset, so every node is rebuilt from what it supports: `type`
 * (a type list with `null` becomes one type plus `nullable: true`, several types an `anyOf`), `nullable`,
 * `enum` (values as strings; `const` becomes a one-value enum), `properties`, `required` (only names that are
 * properties), `items` (the first of a tuple; `{type: string}` when missing), `anyOf` (`oneOf` too), `allOf`
 * (merged), `format` (only `enum`, `date-time`, `float`, `double`, `int32`, `int64`), `propertyOrdering`,
 * and the plain keywords in `COPIED_KEYWORDS`. Local `$ref`s (`#/$defs/...`, `#/definitions/...`) are
 * inlined; Gemini cannot express recursion, so a reference met again inside itself becomes `{type: object}`. Everything else (`$schema`, `$id`, `additionalProperties`, `default`,
 * `examples`, `exclusiveMinimum`, `not`, ...) is dropped; `default` and `example` are documentation only,
 * which Gemini ignores at best. Property names are never touched, even `default` or `type`.
 */
export function convertSchema(schema: unknown): Schema {
  const root = isRecord(schema) ? schema : {};
  return convertNode(root, { root }, 0, new Set());
}

/** True when the converted schema describes an object with at least one property. */
export function hasProperties(schema: Schema): boolean {
  return isRecord(schema.properties) && Object.keys(schema.properties).length > 0;
}

function convertNode(
  raw: unknown,
  definitions: Definitions,
  depth: number,
  resolving: ReadonlySet<string>,
): Schema {
  if (!isRecord(raw) || depth > MAX_DEPTH) return {};
  if (typeof raw.$ref === 'string') return convertReference(raw, raw.$ref, definitions, depth, resolving);
  const node = Array.isArray(raw.allOf) ? mergeAllOf(raw, raw.allOf) : raw;
  const types = readTypes(node.type);
  let isNullable = node.nullable === true || types.includes('null');
  const nonNullTypes = types.filter((type) => type !== 'null');
  if (nonNullTypes.length > 1) {
    // `type: [string, integer]`: one branch per type, each with the keywords of the node.
    const branches = nonNullTypes.map((type) =>
      convertNode({ ...node, type }, definitions, depth + 1, resolving),
    );
    return withNullable({ ...copyAnnotations(node), anyOf: branches }, isNullable);
  }
  const converted: Schema = copyAnnotations(node);
  const type = nonNullTypes[0] ?? inferType(node);
  if (type !== undefined) converted.type = type;
  if (typeof node.format === 'string' && SUPPORTED_FORMATS.has(node.format)) converted.format = node.format;
  const enumValues = Array.isArray(node.enum) ? node.enum : 'const' in node ? [node.const] : null;
  if (enumValues !== null) {
    if (enumValues.includes(null)) isNullable = true;
    // Gemini's enum holds strings only: `{type: INTEGER, format: enum, enum: ["101", "201"]}` is its own example.
    converted.enum = enumValues.filter((value) => value !== null).map((value) => toEnumString(value));
  }
  const anyOf = readAlternatives(node);
  if (anyOf.length > 0) {
    const branches = anyOf.filter((branch) => !(isRecord(branch) && branch.type === 'null'));
    if (branches.length < anyOf.length) isNullable = true;
    const convertedBranches = branches.map((branch) =>
      convertNode(branch, definitions, depth + 1, resolving),
    );
    if (convertedBranches.length === 1) Object.assign(converted, convertedBranches[0], copyAnnotations(node));
    else if (convertedBranches.length > 1) converted.anyOf = convertedBranches;
  }
  if (isRecord(node.properties)) {
    const properties: Record<string, Schema> = {};
    for (const [name, property] of Object.entries(node.properties)) {
      properties[name] = convertNode(property, definitions, depth + 1, resolving);
    }
    if (Object.keys(properties).length > 0) {
      converted.properties = properties;
      if (Array.isArray(node.required)) {
        const required = node.required.filter(
          (name): name is string => typeof name === 'string' && Object.hasOwn(properties, name),
        );
        if (required.length > 0) converted.required = required;
      }
      if (Array.isArray(node.propertyOrdering)) converted.propertyOrdering = node.propertyOrdering;
    }
  }
  if (converted.type === 'array') {
    const items: unknown = Array.isArray(node.items)
      ? node.items[0]
      : (node.items ?? readFirst(node.prefixItems));
    const convertedItems = isRecord(items) ? convertNode(items, definitions, depth + 1, resolving) : {};
    converted.items = Object.keys(convertedItems).length > 0 ? convertedItems : DEFAULT_ITEMS;
  }
  return withNullable(converted, isNullable);
}

/** Inlines a local reference; its sibling keywords (a `description`, say) win over the target's. */
function convertReference(
  node: Schema,
  reference: string,
  definitions: Definitions,
  depth: number,
  resolving: ReadonlySet<string>,
): Schema {
  const siblings: Schema = { ...node };
  delete siblings.$ref;
  const target = resolving.has(reference) ? undefined : resolvePointer(definitions.root, reference);
  if (target === undefined) {
    // A cycle, or a reference we cannot follow (remote, malformed): keep what the node says about itself.
    const fallback = convertNode(siblings, definitions, depth + 1, resolving);
    return fallback.type === undefined && fallback.anyOf === undefined
      ? { ...fallback, type: 'object' }
      : fallback;
  }
  return convertNode({ ...target, ...siblings }, definitions, depth + 1, new Set([...resolving, reference]));
}

/** `#/$defs/Name`, `#/definitions/Name` or any other JSON pointer into the root; undefined when it leads nowhere. */
function resolvePointer(root: Schema, reference: string): Schema | undefined {
  if (!reference.startsWith('#')) return undefined;
  let current: unknown = root;
  for (const segment of reference.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** `allOf` branches merged into the node: properties and required names united, other keywords first-wins. */
function mergeAllOf(node: Schema, branches: readonly unknown[]): Schema {
  const merged: Schema = { ...node };
  delete merged.allOf;
  const properties: Record<string, unknown> = isRecord(merged.properties) ? { ...merged.properties } : {};
  const required = new Set<unknown>(Array.isArray(merged.required) ? merged.required : []);
  for (const branch of branches) {
    if (!isRecord(branch)) continue;
    if (isRecord(branch.properties)) Object.assign(properties, branch.properties);
    if (Array.isArray(branch.required)) for (const name of branch.required) required.add(name);
    for (const [keyword, value] of Object.entries(branch)) {
      if (keyword !== 'properties' && keyword !== 'required' && !(keyword in merged)) merged[keyword] = value;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

function readTypes(type: unknown): string[] {
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((entry): entry is string => typeof entry === 'string') : [];
}

function readAlternatives(node: Schema): unknown[] {
  const anyOf: readonly unknown[] = Array.isArray(node.anyOf) ? node.anyOf : [];
  const oneOf: readonly unknown[] = Array.isArray(node.oneOf) ? node.oneOf : [];
  return [...anyOf, ...oneOf];
}

/** A node without `type` that still shows what it is; undefined for "anything" and for `anyOf` nodes. */
function inferType(node: Schema): string | undefined {
  if (isRecord(node.properties)) return 'object';
  if (node.items !== undefined || node.prefixItems !== undefined) return 'array';
  if (Array.isArray(node.enum) || typeof node.const === 'string') return 'string';
  return undefined;
}

function copyAnnotations(node: Schema): Schema {
  const copied: Schema = {};
  for (const keyword of COPIED_KEYWORDS) {
    const value = node[keyword];
    const isText = keyword === 'title' || keyword === 'description' || keyword === 'pattern';
    if (isText ? typeof value === 'string' : typeof value === 'number') copied[keyword] = value;
  }
  return copied;
}

function withNullable(schema: Schema, isNullable: boolean): Schema {
  return isNullable ? { ...schema, nullable: true } : schema;
}

function toEnumString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readFirst(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}
