import type { App } from '../../server/http/app.js';

export interface SchemaObject {
  type?: string | string[];
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  enum?: unknown[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  pathParams: { name: string; schema: SchemaObject }[];
  queryParams: { name: string; schema: SchemaObject }[];
  jsonBody: SchemaObject | undefined;
  /** The media types the request body may have (the token endpoint also takes a form). */
  consumes: string[];
  secured: boolean;
}

interface Document {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema?: SchemaObject }[];
        requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
        security?: unknown[];
      }
    >
  >;
  security?: unknown[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation the app publishes in its OpenAPI document, so that new routes are covered without listing them. */
export async function operations(app: App): Promise<Operation[]> {
  const response = await app.inject('/docs/openapi.json');
  if (response.statusCode !== 200)
    throw new Error(`/docs/openapi.json: ${response.statusCode} ${response.body}`);
  const doc = response.json<Document>();
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = op.parameters ?? [];
      const pick = (where: string) =>
        params.filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema ?? {} }));
      found.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: pick('path'),
        queryParams: pick('query'),
        jsonBody: op.requestBody?.content?.['application/json']?.schema,
        consumes: Object.keys(op.requestBody?.content ?? {}),
        secured: (op.security ?? doc.security ?? []).length > 0,
      });
    }
  }
  return found;
}

/** A value of the right shape for a path parameter, so that other inputs are what is tested. */
export function plausible(schema: SchemaObject): string {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.enum?.length) return String(schema.enum[0]);
  return type === 'integer' || type === 'number' ? '1' : 'abc';
}

/** Percent-encodes, sending a lone surrogate as its (invalid) UTF-8 bytes, as an attacker would. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value
      .split('')
      .map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c)))
      .join('');
  }
}

export function fillPath(op: Operation, values: Record<string, string> = {}): string {
  let url = op.path;
  for (const param of op.pathParams) {
    url = url.replace(`{${param.name}}`, encode(values[param.name] ?? plausible(param.schema)));
  }
  return url;
}

/** Field names of an object schema (through anyOf/oneOf), for inputs that reach past the first check. */
export function fieldNames(schema: SchemaObject | undefined): string[] {
  if (!schema) return [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(fieldNames);
  return [...new Set([...Object.keys(schema.properties ?? {}), ...nested])];
}
