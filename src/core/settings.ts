/**
 * The environment variables berth reads, checked in one place before a command does anything: a value
 * berth cannot use is one line naming the variable and what it takes (exit 2), never a silent default.
 */
import {BerthError, ExitCode} from './errors.js'
import {parseImageMap} from './images.js'

type Check = (value: string) => string | undefined

const wholeNumber =
  (min: number, max: number): Check =>
  (v) =>
    /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max ? undefined : `a whole number from ${min} to ${max}`
const seconds: Check = (v) => (/^\d+(\.\d+)?$/.test(v.trim()) && Number(v) >= 0 ? undefined : 'a number of seconds (0 or more)')
const flag: Check = (v) => (v === '0' || v === '1' || v === '' ? undefined : '1 (on) or 0 (off)')
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v) ? undefined : values.join(' or ')
const imageMap: Check = (v) => {
  try {
    parseImageMap(v)
    return undefined
  } catch {
    return 'comma-separated FROM=TO image pairs, e.g. node:20-bookworm-slim=local/node:20'
  }
}
const notBlank: Check = (v) => (v.trim() === '' ? 'a non-empty value' : undefined)

/** Every BERTH_* variable with a value berth could misread. The others (paths, names) take any text. */
export const SETTINGS: Record<string, Check> = {
  BERTH_LOCK_TIMEOUT: seconds,
  BERTH_PORT_OFFSET: wholeNumber(0, 60000),
  BERTH_DEBUG: flag,
  BERTH_NO_CACHE: flag,
  BERTH_NO_CODE_CACHE: flag,
  BERTH_IMAGE_MAP: imageMap,
  BERTH_DOOR_MODE: oneOf('host', 'published'),
  BERTH_CLONE: oneOf('copy', 'overlay', 'auto'),
  BERTH_COW_MIN: wholeNumber(0, 10_000_000),
  BERTH_BRANCH: notBlank,
  BERTH_HELPER_IMAGE: notBlank,
  BERTH_VOLUME_HELPER: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v) ? undefined : 'off, or a container name'),
  BERTH_VOLUME_HELPER_IDLE: wholeNumber(1, 86_400),
  BERTH_WARM_COPY: flag,
  BERTH_DOOR_IMAGE: notBlank,
  BERTH_DOCKER_CLI: notBlank,
}

/** Throws a BerthError (USAGE) for the first variable set to a value berth cannot use. */
export function checkSettings(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(SETTINGS)) checkSetting(name, env[name])
}

/** One variable checked (the same one line as checkSettings); its value, undefined when unset or set to nothing. */
export function checkSetting(name: string, value: string | undefined): string | undefined {
  // Set to nothing is unset, as berth has always read it (BERTH_PORT_OFFSET= berth up).
  if (value === undefined || value === '') return undefined
  const expected = SETTINGS[name]?.(value)
  if (expected) {
    throw new BerthError(`${name} must be ${expected} (it is ${JSON.stringify(value)})`, {
      exitCode: ExitCode.USAGE,
      hints: [`Fix or unset it: unset ${name}`],
    })
  }
  return value
}
