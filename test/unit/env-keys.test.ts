// Environment variable names under env: (a service's, an environment's defaults): what Compose and Node take
// (lower case, "_", "-", ".", any letters) is accepted; a name that is empty, starts with a digit, or holds "=" or
// white space is refused at its key's file:line:col. Compose itself lets `A=B: v` through, and the container
// then gets A="B=v"; a name with a space or a leading digit no shell can read.
import {createRequire} from 'node:module'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/core/errors.js'
import {parseYamlSource} from '../../src/core/source.js'
import {validateStackFile, type SchemaValidator} from '../../src/core/validate.js'
import {loadStack, ROOT, thrown, validator} from './helpers.js'

const inService = (key: string) => `name: shop\nservices:\n  web:\n    image: node:20\n    env:\n      ${key}: v\n`
const inDefaults = (key: string) => `name: shop\nservices:\n  web:\n    image: node:20\nenvironments:\n  qa:\n    defaults:\n      env:\n        ${key}: v\n`

// The validator berth runs (precompiled by npm run build), besides the one the tests compile from the schema.
const generated = createRequire(import.meta.url)(path.join(ROOT, 'src/generated/berth-schema.cjs')) as {default?: SchemaValidator} & SchemaValidator
const validators: Array<[string, SchemaValidator]> = [
  ['schema', validator],
  ['generated', generated.default ?? generated],
]

describe.each(validators)('env names (%s validator)', (_which, validate) => {
  const load = (text: string) => validateStackFile(parseYamlSource(text, 'berth.yml'), validate)

  it.each(['NODE_ENV', 'lower_case', '_LEADING', 'A1', 'A-B', 'a.b', 'x:y', 'ÉTÉ'])('accepts %j', (key) => {
    expect(load(inService(key)).services.web.env).toHaveProperty([key], 'v')
    expect(load(inDefaults(key)).environments?.qa?.defaults?.env).toHaveProperty([key], 'v')
  })

  it.each([
    ['1BAD', '1BAD'],
    ['"9"', '9'],
    ['"A=B"', 'A=B'],
    ['"=X"', '=X'],
    ['"A B"', 'A B'],
    ['" LEAD"', ' LEAD'],
    ['"TAB\\tX"', 'TAB\tX'],
    ['""', ''],
  ])('refuses %s in a service with berth.yml:6:7', (written, key) => {
    const error = thrown(() => load(inService(written)))
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.message).toBe(
      `berth.yml:6:7: invalid environment variable name ${JSON.stringify(key)} in services.web.env: a name cannot be empty, start with a digit, or hold "=" or white space`,
    )
  })

  it('refuses one in an environment\'s defaults, at its key', () => {
    expect(thrown(() => load(inDefaults('1BAD'))).message).toMatch(/^berth\.yml:9:9: invalid environment variable name "1BAD" in environments\.qa\.defaults\.env: /)
  })
})

it('the helpers load a stack with the schema validator', () => {
  expect(loadStack(inService('OK')).value.services.web.env).toEqual({OK: 'v'})
})
