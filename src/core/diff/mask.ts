/**
 * Secret masking for `berth diff`: values that look secret are shown as `••••` and a short salted
 * hash, so two values in one output can be seen equal or different without being readable.
 * `${VAR}` references are not secrets (the value stays in .env): they are shown as written.
 * Pure: the salt is handed in (one per run, so a hash cannot be looked up in a table of common passwords).
 */
import {createHmac} from 'node:crypto'

export const MASK = '••••'

/** Words of a variable name that make its value a secret (PASSWORD, DB_PASS, API_KEY, jwtSecret...). */
const SECRET_WORDS = new Set(['password', 'passwd', 'pass', 'pwd', 'secret', 'secrets', 'token', 'key', 'apikey', 'credential', 'credentials', 'private', 'auth', 'salt', 'cookie', 'session', 'dsn'])
/** Substrings that make a name secret wherever they are (MYSQLPASSWORD, GITHUBTOKEN). */
const SECRET_PARTS = /password|passwd|secret|token|credential|private|apikey/i

/** Whether a variable (or build argument) name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  if (SECRET_PARTS.test(name)) return true
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
  return words.some((w) => SECRET_WORDS.has(w))
}

/** A whole value that is only references: `${DB_PASSWORD}`, `$TOKEN`, `${A}${B}` (no literal text, no default). */
export function isReferenceOnly(value: string): boolean {
  return /^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)+$/.test(value)
}

/** Values that are credentials whatever their name: private keys, well-known token formats. */
const CREDENTIAL_VALUES = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\b(sk|rk)_(live|test)_[A-Za-z0-9]{10,}/,
  /\bnpm_[A-Za-z0-9]{30,}/,
]

export function looksLikeCredential(value: string): boolean {
  return CREDENTIAL_VALUES.some((re) => re.test(value))
}

/** `••••` and 6 hex digits of an HMAC of the value with this run's salt. */
export function maskValue(value: string, salt: string): string {
  return `${MASK}${createHmac('sha256', salt).update(value, 'utf8').digest('hex').slice(0, 6)}`
}

/**
 * The password of every `scheme://user:password@host` in a text masked (a `${VAR}` password kept as it is):
 * postgres://app:app@db:5432/app -> postgres://app:••••3f2a1b@db:5432/app
 */
export function maskUrlPasswords(text: string, salt: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi, (whole, head: string, password: string) =>
    isReferenceOnly(password) ? whole : `${head}${maskValue(password, salt)}@`,
  )
}

/**
 * How an environment variable's (or build argument's) value is shown: a reference as written, a secret
 * name's or a credential-looking value masked, passwords in URLs masked, anything else as it is.
 */
export function showValue(name: string, value: string, salt: string): string {
  if (isReferenceOnly(value)) return value
  if (isSecretName(name) || looksLikeCredential(value)) return value === '' ? '' : maskValue(value, salt)
  return maskUrlPasswords(value, salt)
}

/** Masking for free text (a command's words, a healthcheck test): credentials and URL passwords. */
export function showText(text: string, salt: string): string {
  if (looksLikeCredential(text)) return maskValue(text, salt)
  return maskUrlPasswords(text, salt)
}
