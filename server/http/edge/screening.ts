import { EDGE_LIMITS, NEVER_SCREENED_KEY } from './policy.js';

/**
 * Defence-in-depth screening of request inputs (params, query, body). Strict schemas and
 * parameterised SQL are the real protection; these rules catch probes early, label them
 * with a rule id for the logs, and keep hostile strings away from code that might one
 * day be careless. Patterns are deliberately narrow: "O'Brien", "Flat #4, MG Road",
 * "select one from the list" and Hindi text must pass.
 */
export type RuleId =
  | 'sqli'
  | 'xss'
  | 'path-traversal'
  | 'command-injection'
  | 'nosql-operator'
  | 'prototype-pollution'
  | 'json-depth'
  | 'array-length'
  | 'invalid-characters';

export interface Finding {
  rule: RuleId;
  /** Where, as `body.a.b`, `query.q`, `params.id`. Never the value: it may be personal data. */
  location: string;
  /** Pattern rules may misfire on free text and obey report-only; the others always refuse. */
  heuristic: boolean;
}

const PATTERNS: { rule: RuleId; patterns: RegExp[] }[] = [
  {
    rule: 'sqli',
    patterns: [
      /\bunion[\s(]+select\b/i,
      /\bunion[\s(]+(?:all|distinct)[\s(]+select\b/i,
      // A quote that closes a literal and then a tautology: ' or '1'='1, " OR 1=1, ') or true--
      /['"`)]\s*\b(or|and)\b\s*(['"`(]?\w*['"`)]?\s*(=|<|>|like\b)|true\b|false\b|not\b)/i,
      // A quote followed by a comment that cuts off the rest of the statement.
      /['"`]\s*(--|\/\*)/,
      /;\s*(drop|delete|insert|update|alter|create|truncate|exec|execute|shutdown|grant)\s/i,
      /\b(pg_sleep|dbms_pipe\.receive_message)\s*\(|\b(sleep|benchmark)\s*\(\s*\d+\s*[,)]/i,
      /\bwaitfor\s+delay\b/i,
      /\binformation_schema\b|\bpg_catalog\b|@@version\b/i,
    ],
  },
  {
    rule: 'xss',
    patterns: [
      /<\s*\/?\s*(script|iframe|object|embed|svg|img|image|body|style|link|meta|base|form|input|video|audio|math|details|marquee|frameset|frame|applet|template|xml)\b/i,
      /\bon(error|load|click|dblclick|mouse\w+|focus\w*|blur|toggle|animation\w+|transition\w+|begin|pointer\w+|key\w+|input|change|submit|wheel|drag\w*|copy|paste|unload|resize|scroll)\s*=/i,
      /\b(java|vb)script\s*:/i,
      /\bdata\s*:\s*text\/html/i,
    ],
  },
  {
    rule: 'path-traversal',
    patterns: [
      /(^|[\\/])\.\.([\\/]|$)/,
      /%2e%2e|%252e|\.\.%2f|\.\.%5c|%c0%ae/i,
      /\/etc\/(passwd|shadow|hosts)\b|\bboot\.ini\b|\bc:\\windows\\/i,
    ],
  },
  {
    rule: 'command-injection',
    patterns: [
      /(?:[;|`]|&&|\$\()\s*(?:cat|wget|curl|nc|ncat|netcat|bash|sh|zsh|rm|chmod|chown|ping|powershell|python3?|perl|ruby|php|nslookup|telnet|base64)\s+(?:-|\/|https?:|\d+\.\d+|\$)/i,
      /(?:[;|`]|&&|\$\()\s*(?:whoami|uname|id|ls|pwd|ifconfig|env|reboot)\s*(?:$|[;|`)&]|\s-)/i,
      /\$\([^)]*\)/,
      /\/bin\/(ba|z|da)?sh\b|\bcmd(\.exe)?\s+\/c\b/i,
    ],
  },
];

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// Query strings name operators as a[$ne]=1 or a.$gt=1; JSON names them as keys: {"$where": ...}.
const NOSQL_OPERATOR = /(^|\[|\.)\$[a-z]+\]?$/i;
// NUL breaks PostgreSQL text (a 5xx otherwise); lone surrogates are not text at all.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const hasInvalidCharacters = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

function screenKey(key: string, location: string): Finding | undefined {
  const parts = key.split(/[[\].]+/).filter(Boolean);
  if (parts.some((part) => PROTOTYPE_KEYS.has(part)))
    return { rule: 'prototype-pollution', location, heuristic: false };
  if (NOSQL_OPERATOR.test(key)) return { rule: 'nosql-operator', location, heuristic: false };
  if (hasInvalidCharacters(key)) return { rule: 'invalid-characters', location, heuristic: false };
  return undefined;
}

/** The forms an attacker may use to slip past a pattern: URL-encoded once more, full-width. */
function variants(value: string): string[] {
  const normalized = value.normalize('NFKC');
  const forms = normalized === value ? [value] : [value, normalized];
  if (value.includes('%')) {
    try {
      forms.push(decodeURIComponent(value).normalize('NFKC'));
    } catch {
      // Not valid percent-encoding: the raw form is screened already.
    }
  }
  return forms;
}

export function screenString(value: string, location: string): Finding | undefined {
  if (hasInvalidCharacters(value))
    return { rule: 'invalid-characters', location, heuristic: false };
  for (const form of variants(value)) {
    for (const { rule, patterns } of PATTERNS) {
      if (patterns.some((pattern) => pattern.test(form)))
        return { rule, location, heuristic: true };
    }
  }
  return undefined;
}

export interface ScreenOptions {
  maxDepth?: number;
  maxArrayLength?: number;
  /** Locations (`body.note`) whose string values are not pattern-screened. */
  unscreened?: ReadonlySet<string>;
  /** false: only structural and key rules. */
  patterns?: boolean;
}

/**
 * Walks a parsed input without recursion (a deep body must not blow the stack) and
 * returns the first finding. Structural findings come before heuristic ones, so that
 * report-only mode still refuses what must always be refused.
 */
export function screenInput(
  root: unknown,
  name: string,
  {
    maxDepth = EDGE_LIMITS.maxDepth,
    maxArrayLength = EDGE_LIMITS.maxArrayLength,
    unscreened,
    patterns = true,
  }: ScreenOptions = {},
): Finding | undefined {
  let heuristic: Finding | undefined;
  const stack: { value: unknown; location: string; depth: number; screened: boolean }[] = [
    { value: root, location: name, depth: 0, screened: patterns },
  ];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, location, depth, screened } = item;
    if (typeof value === 'string') {
      const finding = screenString(value, location);
      if (finding && !finding.heuristic) return finding;
      if (finding && screened && !unscreened?.has(location)) heuristic ??= finding;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return { rule: 'json-depth', location, heuristic: false };
    if (Array.isArray(value)) {
      if (value.length > maxArrayLength)
        return { rule: 'array-length', location, heuristic: false };
      value.forEach((element: unknown, index) =>
        stack.push({
          value: element,
          location: `${location}.${index}`,
          depth: depth + 1,
          screened,
        }),
      );
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const at = `${location}.${key}`;
      const finding = screenKey(key, at);
      if (finding) return finding;
      stack.push({
        value: child,
        location: at,
        depth: depth + 1,
        screened: screened && !NEVER_SCREENED_KEY.test(key),
      });
    }
  }
  return heuristic;
}
