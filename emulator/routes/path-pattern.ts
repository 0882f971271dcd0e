/**
 * Path patterns of the route table: `/entity/{type}/{id:int}/relationships/{field}`, where
 * `{name}` takes one segment, `{name:int}` one all-digit segment and `{name*}` the rest of the
 * path (zero or more segments). Segments are matched decoded; empty segments (a trailing or
 * doubled slash) are ignored, as the site ignores them.
 */

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; int: boolean }
  | { kind: 'rest'; name: string };

/** A compiled pattern. */
export interface PathPattern {
  readonly source: string;
  readonly segments: readonly Segment[];
}

const PARAM = /^\{([a-z_]+)(:int|\*)?\}$/i;

/** Compiles a pattern (throws on a malformed one: the table is code, caught by any test). */
export function compilePattern(source: string): PathPattern {
  const segments: Segment[] = source.split('/').filter((s) => s !== '').map((s, i, all): Segment => {
    const m = PARAM.exec(s);
    if (!m) return { kind: 'literal', text: s };
    if (m[2] === '*') {
      if (i !== all.length - 1) throw new Error(`route pattern ${source}: {${m[1]}*} must come last`);
      return { kind: 'rest', name: m[1]! };
    }
    return { kind: 'param', name: m[1]!, int: m[2] === ':int' };
  });
  return { source, segments };
}

/** A path split into decoded segments; a segment that is not valid percent-encoding stays raw and flags the path. */
export function pathSegments(pathname: string): { parts: string[]; malformed: boolean } {
  let malformed = false;
  const parts = pathname.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      malformed = true;
      return s;
    }
  });
  return { parts, malformed };
}

/** The parameters when `parts` match the pattern, else undefined. */
export function matchPattern(pattern: PathPattern, parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const segs = pattern.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg.kind === 'rest') {
      params[seg.name] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (part !== seg.text) return undefined;
    } else {
      if (seg.int && !/^\d+$/.test(part)) return undefined;
      params[seg.name] = part;
    }
  }
  return parts.length === segs.length ? params : undefined;
}

/** The pattern in OpenAPI form (`{id:int}` → `{id}`, `{key*}` → `{key}`). */
export function openApiPath(pattern: PathPattern): string {
  return '/' + pattern.segments.map((s) => (s.kind === 'literal' ? s.text : `{${s.name}}`)).join('/');
}

/** Names of the pattern's parameters, in order. */
export function patternParams(pattern: PathPattern): Array<{ name: string; int: boolean }> {
  return pattern.segments.flatMap((s) => (s.kind === 'literal' ? [] : [{ name: s.name, int: s.kind === 'param' && s.int }]));
}
