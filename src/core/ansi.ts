/**
 * Terminal control codes out of text meant for a pipe or a file: Compose writes erase-line codes
 * (ESC [2K) before every log line even into a pipe, and even with --ansi never. Pure.
 */

// CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and the other two-byte ESC sequences.
// eslint-disable-next-line no-control-regex
const SEQUENCE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])|\u009B[0-?]*[ -/]*[@-~]/g
// A sequence cut off at the end of a chunk: kept back until the next one.
// eslint-disable-next-line no-control-regex
const UNFINISHED = /(?:\u001B(?:\[[0-?]*[ -/]*|\][^\u0007\u001B]*)?|\u009B[0-?]*[ -/]*)$/

export function stripAnsi(text: string): string {
  return text.replace(SEQUENCE, '')
}

/** A stripper for a stream: each chunk's text without control codes, a sequence split across chunks included. */
export function ansiStripper(): {write(chunk: string): string; end(): string} {
  let held = ''
  return {
    write(chunk) {
      const text = stripAnsi(held + chunk)
      const cut = UNFINISHED.exec(text)
      held = cut && cut[0] ? cut[0] : ''
      return held ? text.slice(0, text.length - held.length) : text
    },
    end() {
      const rest = held
      held = ''
      return rest.replace(/\u001B/g, '')
    },
  }
}
