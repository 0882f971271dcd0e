/**
 * Ruby's `inspect` rendering of JSON values, which the real server quotes in many error titles
 * (`Missing logical operator: {"conditions" => [["id", "is", 862]]}`).
 */
export function rubyInspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)} => ${rubyInspect(v)}`);
    return `{${parts.join(', ')}}`;
  }
  return String(value);
}

/** Ruby class name of a JSON value, as in `expected [...] data type(s) but got Integer: 1`. */
export function rubyClass(value: unknown): string {
  if (value === null || value === undefined) return 'NilClass';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  if (value === true) return 'TrueClass';
  if (value === false) return 'FalseClass';
  if (Array.isArray(value)) return 'Array';
  return 'Hash';
}
