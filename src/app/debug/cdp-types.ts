/** The DevTools Protocol objects berth reads while paused at a breakpoint, and how it shows values. */

export interface ScriptInfo {
  scriptId: string
  url: string
  sourceMapURL?: string
}

export interface RemoteObject {
  type: string
  subtype?: string
  value?: unknown
  unserializableValue?: string
  description?: string
  objectId?: string
  preview?: {overflow?: boolean; properties: Array<{name: string; type: string; value?: string}>}
}

export interface CallFrame {
  callFrameId: string
  functionName: string
  url: string
  location: {scriptId: string; lineNumber: number; columnNumber: number}
  scopeChain: Array<{type: string; object: RemoteObject}>
}

export interface FrameInfo {
  function: string
  /** The file on the host when it is mounted, else the path (or URL) in the container. */
  file: string
  /** 1-based, in the original source when a source map says so. */
  line: number
  column: number
  /** Where V8 runs it (the generated file for compiled code). */
  generated: {url: string; line: number; column: number}
}

export interface BreakResult {
  service: string
  breakpoint: {file: string; line: number; remote: string; mapped: boolean}
  paused: FrameInfo
  stack: FrameInfo[]
  locals: Record<string, string>
}

export function showValue(v: RemoteObject | undefined): string {
  if (!v || v.type === 'undefined') return 'undefined'
  if (v.unserializableValue) return v.unserializableValue
  if (v.type === 'string') return JSON.stringify(v.value)
  if (v.type !== 'object') return v.type === 'function' ? `[Function ${v.description?.split('(')[0].replace(/^(async )?function /, '') ?? ''}]` : String(v.value)
  if (v.subtype === 'null') return 'null'
  if (v.preview) {
    const props = v.preview.properties.map((p) => (v.subtype === 'array' ? '' : `${p.name}: `) + (p.type === 'string' ? JSON.stringify(p.value) : (p.value ?? p.type)))
    const more = v.preview.overflow ? ', …' : ''
    return v.subtype === 'array' ? `${v.description} [${props.join(', ')}${more}]` : `${v.description} {${props.join(', ')}${more}}`
  }
  return v.description ?? v.type
}
