// berth's words for what it cannot use: environment variables checked in one place, an unknown command
// with the nearest one, a folder berth cannot write its generated files into.
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/core/errors.js'
import {checkSettings} from '../../src/core/settings.js'
import {writeGenerated} from '../../src/infra/files.js'
import {closest} from '../../src/index.js'

describe('environment variables', () => {
  it.each([
    ['BERTH_LOCK_TIMEOUT', 'abc', /BERTH_LOCK_TIMEOUT must be a number of seconds/],
    ['BERTH_LOCK_TIMEOUT', '-3', /number of seconds/],
    ['BERTH_PORT_OFFSET', '-1', /BERTH_PORT_OFFSET must be a whole number from 0 to 60000/],
    ['BERTH_PORT_OFFSET', '70000', /from 0 to 60000/],
    ['BERTH_PORT_OFFSET', '1.5', /whole number/],
    ['BERTH_DEBUG', 'yes', /BERTH_DEBUG must be 1 \(on\) or 0 \(off\)/],
    ['BERTH_NO_CACHE', 'true', /BERTH_NO_CACHE must be 1/],
    ['BERTH_IMAGE_MAP', 'node:20', /comma-separated FROM=TO image pairs/],
    ['BERTH_DOOR_MODE', 'vm', /BERTH_DOOR_MODE must be host or published/],
    ['BERTH_BRANCH', '  ', /BERTH_BRANCH must be a non-empty value/],
  ])('%s=%s is refused in one line', (name, value, message) => {
    let error: (Error & {exitCode?: number; hints?: string[]}) | undefined
    try {
      checkSettings({[name]: value})
    } catch (e) {
      error = e as Error & {exitCode?: number}
    }
    expect(error?.exitCode).toBe(ExitCode.USAGE)
    expect(error?.message).toMatch(message)
    expect(error?.message).not.toContain('\n')
    expect(error?.hints?.[0]).toContain(`unset ${name}`)
  })

  it('takes a variable set to nothing for unset', () => {
    expect(() => checkSettings({BERTH_PORT_OFFSET: '', BERTH_BRANCH: '', BERTH_LOCK_TIMEOUT: ''})).not.toThrow()
  })

  it('accepts good values and ignores what is not set', () => {
    expect(() => checkSettings({BERTH_LOCK_TIMEOUT: '0.5', BERTH_PORT_OFFSET: '300', BERTH_DEBUG: '1', BERTH_IMAGE_MAP: 'a:1=b:2,c=d', BERTH_DOOR_MODE: 'published', HOME: '/x'})).not.toThrow()
  })
})

describe('an unknown command', () => {
  const commands = ['up', 'down', 'status', 'switch', 'volumes ls', 'volumes prune', 'debug']
  it.each([
    ['statu', 'status'],
    ['stauts', 'status'],
    ['volums ls', 'volumes ls'],
    ['dwon', 'down'],
  ])('%s: did you mean %s', (given, expected) => {
    expect(closest(given, commands)).toBe(expected)
  })
  it('suggests nothing for something far from every command', () => {
    expect(closest('frobnicate', commands)).toBeUndefined()
  })
})

describe('generated files', () => {
  it('a folder berth cannot write into is one line saying where, exit 5', () => {
    let error: (Error & {exitCode?: number; hints?: string[]}) | undefined
    try {
      writeGenerated('/etc/hostname/berth/.berth/dev.compose.yml', 'x')
    } catch (e) {
      error = e as Error & {exitCode?: number}
    }
    expect(error?.exitCode).toBe(ExitCode.PREFLIGHT)
    expect(error?.message).toMatch(/^cannot write \/etc\/hostname\/berth\/\.berth\/dev\.compose\.yml \(E[A-Z]+\)/)
    expect(error?.hints?.[0]).toMatch(/read-only|render --stdout/)
  })
})
