// oclif's parse errors become one line (the command's --help is named in the hint).
import {describe, expect, it} from 'vitest'
import {usageMessage} from '../../src/cli/base.js'

describe('usageMessage', () => {
  it('keeps a one-line error as it is, without the help pointer', () => {
    expect(usageMessage('Nonexistent flag: --bogus\nSee more help with --help')).toBe('Nonexistent flag: --bogus')
  })

  it('folds a list of missing arguments into the line', () => {
    expect(usageMessage('Missing 2 required args:\nfrom  Branch to copy from.\nto    Branch to copy to.\nSee more help with --help')).toBe(
      'Missing 2 required args: from (Branch to copy from.); to (Branch to copy to.)',
    )
  })
})
