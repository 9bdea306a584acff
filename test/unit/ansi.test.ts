import {describe, expect, it} from 'vitest'
import {ansiStripper, stripAnsi} from '../../src/core/ansi.js'

describe('terminal control codes out of piped output', () => {
  it('removes erase-line, colours, cursor moves and OSC titles, keeping the text', () => {
    expect(stripAnsi('\u001B[2Kweb-1  | hello\n')).toBe('web-1  | hello\n')
    expect(stripAnsi('\u001B[31mred\u001B[39m \u001B[1;32mbold green\u001B[0m')).toBe('red bold green')
    expect(stripAnsi('\u001B[3Aup\u001B[J\u001B]0;title\u0007end')).toBe('upend')
  })

  it('across chunks: a sequence cut in two is held back, then removed', () => {
    const s = ansiStripper()
    const out = [s.write('a\u001B'), s.write('[2'), s.write('Kb\n\u001B[3'), s.write('1mc'), s.end()].join('')
    expect(out).toBe('ab\nc')
    expect(out).not.toContain('\u001B')
  })

  it('a lone ESC at the very end does not survive either', () => {
    const s = ansiStripper()
    expect(s.write('x\u001B') + s.end()).toBe('x')
  })
})
