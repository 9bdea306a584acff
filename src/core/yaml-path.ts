/** Paths into a YAML document (["services", "web", "ports", 0]), apart from source.ts so that using them does not load the YAML parser. */
export type PathSegment = string | number

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg), '')
}
