// An environment profile file (templates/environments/NAME.yml) is held to berth.yml's rule for bind.
import {describe, expect, it} from 'vitest'
import {parseYamlSource} from '../../src/core/source.js'
import {parseEnvironmentProfile} from '../../src/core/templates.js'

const profile = (text: string) => parseEnvironmentProfile('perf', parseYamlSource(text, 'templates/environments/perf.yml'))

describe('an environment profile\'s bind', () => {
  it('refuses a value that is not an address, at its line', () => {
    expect(() => profile('extends: qa\nbind: everywhere\n')).toThrow(/^templates\/environments\/perf\.yml:2:7: bind must be an IP address such as 127\.0\.0\.1 \(got "everywhere"\)$/)
  })

  it('refuses a number', () => {
    expect(() => profile('extends: qa\nbind: 8080\n')).toThrow(/bind must be an IP address/)
  })

  it('accepts IPv4 and IPv6 addresses', () => {
    expect(profile('extends: qa\nbind: 0.0.0.0\n').value.bind).toBe('0.0.0.0')
    expect(profile('extends: qa\nbind: "::1"\n').value.bind).toBe('::1')
  })
})
