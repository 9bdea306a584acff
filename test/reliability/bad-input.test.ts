// Bad input, table-driven: every case gets exactly one `berth: error:` line (matched), its documented exit
// code, no stack trace, nothing on stdout, and the engine holds nothing of the project afterwards (no
// container, volume or network with its label). Each case owns its folder (a one-service berth.yml, or
// none), so every case runs alone (-t) and no case sees another's edits.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'vitest'
import {berth, removeProject, uniqueName, type CliResult} from '../e2e/harness.js'
import {engineObjects} from './lib.js'

const DB = '  db:\n    template: postgres\n'
const WEB = '  web:\n    template: node\n    port: 8000\n'

interface Case {
  what: string
  /** berth.yml of the case, given its project name; null: no berth.yml at all */
  yml: ((name: string) => string) | null
  /** other files of the case's folder */
  files?: Record<string, string>
  args: string[]
  env?: NodeJS.ProcessEnv
  code: number
  message: RegExp
}

const head = (name: string) => `name: ${name}\nservices:\n`
const withDb = (extra: string) => (n: string) => `${head(n)}${DB}${extra}`
const dbWith = (keys: string) => (n: string) => `${head(n)}${DB}${keys}`
const plain = (n: string) => `${head(n)}${DB}`

/** A "billion laughs": 9 levels of 10 aliases each under the database's env. */
function aliasBomb(n: string): string {
  let text = `${head(n)}${DB}    env:\n      L0: &l0 lol\n`
  for (let i = 1; i <= 9; i++) text += `      L${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`
  return text
}

const E = (m: string) => new RegExp(`^berth: error: ${m}`)
const yamlAt = (m: string) => E(`berth\\.yml:\\d+:\\d+: invalid YAML: ${m}`)
const at = (m: string) => E(`berth\\.yml:\\d+:\\d+: ${m}`)
const fragment = (m: string) => at(`${m}.*\\(in the Compose file berth renders; nothing was started\\)$`)
const envVar = (v: string, m: string) => E(`${v} must be ${m}.* \\(it is ".*"\\)$`)

const cases: Case[] = [
  // malformed YAML: exit 3, file:line:col
  {what: 'YAML: bad indentation', yml: (n) => `${head(n)}  db:\n    template: postgres\n   image: x\n`, args: ['up'], code: 3, message: yamlAt('')},
  {what: 'YAML: a tab as indentation', yml: (n) => `${head(n)}  db:\n\ttemplate: postgres\n`, args: ['up'], code: 3, message: yamlAt('a tab used for indentation')},
  {what: 'YAML: an unclosed double quote', yml: (n) => `${head(n)}  db:\n    template: "postgres\n`, args: ['up'], code: 3, message: yamlAt('a quoted string is not closed')},
  {what: 'YAML: an unclosed single quote', yml: (n) => `${head(n)}  db:\n    template: 'postgres\n`, args: ['up'], code: 3, message: yamlAt('a quoted string is not closed')},
  {what: 'YAML: an unclosed flow list', yml: withDb('    command: [a, b\n'), args: ['up'], code: 3, message: yamlAt('')},
  {what: 'YAML: a duplicate key', yml: (n) => `${head(n)}  db:\n    template: postgres\n    template: redis\n`, args: ['up'], code: 3, message: yamlAt('duplicate key "template" \\(first at line 4\\)$')},
  {what: 'YAML: a duplicate service', yml: (n) => `${head(n)}${DB}${DB}`, args: ['up'], code: 3, message: yamlAt('duplicate key "db"')},
  {what: 'YAML: a billion laughs', yml: aliasBomb, args: ['up'], code: 3, message: yamlAt('too many aliases expanded')},
  {what: 'YAML: several documents', yml: (n) => `${plain(n)}---\nname: other\n`, args: ['up'], code: 3, message: yamlAt('several YAML documents in one file')},
  {what: 'YAML: an unknown alias', yml: withDb('    env:\n      A: *nowhere\n'), args: ['up'], code: 3, message: yamlAt('')},
  {what: 'YAML: render sees it too', yml: (n) => `${head(n)}  db:\n\ttemplate: postgres\n`, args: ['render'], code: 3, message: yamlAt('a tab used for indentation')},
  {what: 'YAML: an empty file', yml: () => '', args: ['up'], code: 3, message: at('expected a mapping with at least "name" and "services" \\(got null\\)$')},
  {what: 'YAML: a scalar file', yml: () => 'hello\n', args: ['up'], code: 3, message: at('expected a mapping with at least "name" and "services"')},

  // schema: exit 3 at the value's line
  {what: 'schema: port as a word', yml: dbWith('    port: eighty\n'), args: ['up'], code: 3, message: at('services\\.db\\.port must be an integer \\(got the string "eighty"\\)$')},
  {what: 'schema: port above 65535', yml: dbWith('    port: 70000\n'), args: ['up'], code: 3, message: at('services\\.db\\.port must be <= 65535')},
  {what: 'schema: port 0', yml: dbWith('    port: 0\n'), args: ['up'], code: 3, message: at('services\\.db\\.port must be >= 1')},
  {what: 'schema: port negative', yml: dbWith('    port: -80\n'), args: ['up'], code: 3, message: at('services\\.db\\.port must be >= 1')},
  {what: 'schema: unknown service key', yml: dbWith('    frob: 1\n'), args: ['up'], code: 3, message: at('unknown key "frob" in services\\.db$')},
  {what: 'schema: unknown top-level key', yml: (n) => `${plain(n)}frob: 1\n`, args: ['up'], code: 3, message: at('unknown key "frob" in the top level$')},
  {what: 'schema: services as a list', yml: (n) => `name: ${n}\nservices: [db]\n`, args: ['up'], code: 3, message: at('services must be a mapping \\(got a list\\)$')},
  {what: 'schema: no services', yml: (n) => `name: ${n}\n`, args: ['up'], code: 3, message: at('the top level needs the key "services"$')},
  {what: 'schema: name as a number', yml: () => `name: 5\nservices:\n${DB}`, args: ['up'], code: 3, message: at('name must be a string')},
  {what: 'schema: name with spaces', yml: () => `name: Bad Name!\nservices:\n${DB}`, args: ['up'], code: 3, message: at('name has an invalid value')},
  {what: 'schema: unknown template', yml: (n) => `${head(n)}  db:\n    template: postgress\n`, args: ['up'], code: 3, message: at('unknown template "postgress" for service "db"$')},
  {what: 'schema: template as a list', yml: (n) => `${head(n)}  db:\n    template: [postgres]\n`, args: ['up'], code: 3, message: at('services\\.db\\.template must be a string')},
  {what: 'schema: env value a mapping', yml: dbWith('    env:\n      A: {b: 1}\n'), args: ['up'], code: 3, message: at('services\\.db\\.env\\.A must be a string or number or boolean or null \\(got a mapping\\)$')},
  {what: 'schema: env as a list', yml: dbWith('    env: [A=1]\n'), args: ['up'], code: 3, message: at('services\\.db\\.env must be')},
  {what: 'schema: bad service name', yml: (n) => `${head(n)}  Bad_DB!:\n    template: postgres\n`, args: ['up'], code: 3, message: at('invalid name "Bad_DB!" in services')},
  {what: 'schema: command as a number', yml: dbWith('    command: 5\n'), args: ['up'], code: 3, message: at('services\\.db\\.command must be a string')},
  {what: 'schema: depends on an unknown service', yml: dbWith('    depends_on: [nope]\n'), args: ['up'], code: 3, message: at('service "db" depends on unknown service "nope"$')},
  {what: 'schema: negative keep_warm', yml: (n) => `name: ${n}\nkeep_warm: -1\nservices:\n${DB}`, args: ['up'], code: 3, message: at('keep_warm must be >= 0')},
  {what: 'schema: unknown volume kind', yml: dbWith('    volumes:\n      data: {path: /x, kind: weird}\n'), args: ['up'], code: 3, message: at('services\\.db\\.volumes\\.data\\.kind must be one of "data", "shared", "cache"')},
  {what: 'schema: a service with neither image nor build', yml: (n) => `${head(n)}  db:\n    port: 5432\n`, args: ['up'], code: 3, message: at('service "db" has neither image nor build$')},

  // environments: bad names, loops, custom environment problems
  {what: 'environment: a bad name', yml: withDb('environments:\n  Bad Env!:\n    extends: dev\n'), args: ['up'], code: 3, message: at('invalid name "Bad Env!" in environments')},
  {what: 'environment: extends an unknown one', yml: withDb('environments:\n  preview:\n    extends: prod\n'), args: ['up', 'preview'], code: 3, message: at('environment "preview" extends unknown environment "prod" \\(known: dev, preview, qa, stage\\)$')},
  {what: 'environment: a loop', yml: withDb('environments:\n  a:\n    extends: b\n  b:\n    extends: a\n'), args: ['up', 'a'], code: 3, message: at('environments extend each other in a loop: a -> b -> a$')},
  {what: 'environment: port_offset a word', yml: withDb('environments:\n  preview:\n    extends: qa\n    port_offset: x\n'), args: ['up', 'preview'], code: 3, message: at('environments\\.preview\\.port_offset must be an integer')},
  {what: 'environment file: unknown key', yml: plain, files: {'templates/environments/perf.yml': 'extends: qa\nfrob: 1\n'}, args: ['up', 'perf'], code: 3, message: E('templates/environments/perf\\.yml:2:1: unknown key "frob" in environment "perf"$')},
  {what: 'environment file: invalid YAML', yml: plain, files: {'templates/environments/perf.yml': 'extends: [qa\n'}, args: ['up', 'perf'], code: 3, message: E('templates/environments/perf\\.yml:\\d+:\\d+: invalid YAML')},
  {what: 'environment file: bad mode', yml: plain, files: {'templates/environments/perf.yml': 'extends: qa\nmode: turbo\n'}, args: ['up', 'perf'], code: 3, message: E('templates/environments/perf\\.yml:2:7: mode must be dev or prod')},
  {what: 'environment file: bind not an address', yml: plain, files: {'templates/environments/perf.yml': 'extends: qa\nbind: everywhere\n'}, args: ['up', 'perf'], code: 3, message: E('templates/environments/perf\\.yml:2:7: bind must be an IP address such as 127\\.0\\.0\\.1 \\(got "everywhere"\\)$')},
  {what: 'environment: unknown on up', yml: plain, args: ['up', 'prod'], code: 2, message: E('unknown environment "prod"$')},
  {what: 'environment: unknown on render', yml: plain, args: ['render', 'prod'], code: 2, message: E('unknown environment "prod"$')},
  {what: 'service template file: invalid YAML', yml: (n) => `${head(n)}  db:\n    template: mine\n`, files: {'templates/services/mine.yml': 'service: {image: [x\n'}, args: ['up'], code: 3, message: E('templates/services/mine\\.yml:\\d+:\\d+: invalid YAML')},

  // compose: fragments Compose or the engine would refuse: exit 3 at the berth.yml line, before anything is made
  {what: 'compose: restart: sometimes', yml: dbWith('    compose:\n      restart: sometimes\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.restart must be no, always, unless-stopped or on-failure')},
  {what: 'compose: ports as a scalar', yml: dbWith('    compose:\n      ports: 8000\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.ports must be a list')},
  {what: 'compose: top-level volumes as a list', yml: (n) => `${plain(n)}compose:\n  volumes: [a]\n`, args: ['up'], code: 3, message: fragment('volumes must be a mapping')},
  {what: 'compose: an unknown key', yml: dbWith('    compose:\n      frobnicate: 1\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.frobnicate is not a Compose key')},
  {what: 'compose: a bad duration', yml: dbWith('    compose:\n      stop_grace_period: soon\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.stop_grace_period: time: invalid duration "soon"')},
  {what: 'compose: a bad healthcheck interval', yml: dbWith('    compose:\n      healthcheck:\n        interval: fast\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.healthcheck\\.interval: time: invalid duration "fast"')},
  {what: 'compose: a bad memory size', yml: dbWith('    compose:\n      mem_limit: lots\n'), args: ['up'], code: 3, message: fragment("services\\.db\\.mem_limit: invalid size: 'lots'")},
  {what: 'compose: networks as a number', yml: dbWith('    compose:\n      networks: 5\n'), args: ['up'], code: 3, message: fragment('services\\.db\\.networks must be a list')},
  {what: 'compose: render --check finds it', yml: dbWith('    compose:\n      restart: sometimes\n'), args: ['render', '--check'], code: 3, message: fragment('services\\.db\\.restart must be')},

  // folders
  {what: 'a missing source folder', yml: (n) => `${head(n)}${WEB}    source: nope\n`, args: ['up'], code: 3, message: at('source folder "nope" of service "web" does not exist')},
  {what: 'a missing build folder', yml: (n) => `${head(n)}${WEB}    build: nope\n`, args: ['up'], code: 3, message: at('build context "nope" of service "web" does not exist')},
  {what: 'no berth.yml', yml: null, args: ['up'], code: 3, message: E('no berth\\.yml in .* or any folder above it$')},
  {what: '--dir at a folder without berth.yml', yml: null, args: ['up', '--dir', '/nonexistent/berth-project'], code: 3, message: E('no berth\\.yml in /nonexistent/berth-project$')},
  {what: 'a project folder berth cannot write (.berth is a file)', yml: plain, files: {'.berth': 'not a folder\n'}, args: ['up'], code: 5, message: E('cannot write .*/\\.berth/dev\\.compose\\.yml \\(EEXIST\\): berth keeps its generated files there$')},
  {what: 'render into a project folder berth cannot write', yml: plain, files: {'.berth': 'not a folder\n'}, args: ['render'], code: 5, message: E('cannot write .*/\\.berth/dev\\.compose\\.yml')},

  // images from a registry (image_from: registry): none can be pulled here
  {what: 'image_from: registry, an image neither on the engine nor pullable', yml: (n) => `${head(n)}  web:\n    image: private-registry.example/stacks/berth-bad-input-missing:1.0\n    image_from: registry\n`, args: ['up', 'qa', '-q'], code: 5, message: at('service "web": image_from: registry: image private-registry\\.example/stacks/berth-bad-input-missing:1\\.0 is not on this engine and could not be pulled$')},
  {what: 'image_from: registry, --build-if-missing without build:', yml: (n) => `${head(n)}  web:\n    image: private-registry.example/stacks/berth-bad-input-missing:1.0\n    image_from: registry\n`, args: ['up', 'qa', '--build-if-missing', '-q'], code: 5, message: at('service "web": image_from: registry: image .* there is no build: to build it from$')},
  {what: 'image_from: registry without image:', yml: (n) => `${head(n)}  web:\n    image_from: registry\n    command: [sleep, infinity]\n`, args: ['up', 'qa'], code: 3, message: at('service "web": image_from: registry needs image: \\(the image to run\\)$')},
  {what: 'image_from: an unknown source', yml: dbWith('    image_from: hub\n'), args: ['up', 'qa'], code: 3, message: at('services\\.db\\.image_from must be one of')},

  // the command line: exit 2
  {what: 'an unknown command', yml: plain, args: ['frobnicate'], code: 2, message: E('unknown command "frobnicate"$')},
  {what: 'a misspelt command', yml: plain, args: ['statu'], code: 2, message: E('unknown command "statu"; did you mean "status"\\?$')},
  {what: 'an unknown volumes command', yml: plain, args: ['volumes', 'frob'], code: 2, message: E('unknown command "volumes frob"')},
  {what: 'an unknown flag', yml: plain, args: ['up', '--bogus'], code: 2, message: E('Nonexistent flag: --bogus$')},
  {what: '--wait-timeout -5', yml: plain, args: ['up', '--wait-timeout', '-5'], code: 2, message: E('--wait-timeout: Expected an integer greater than or equal to 1 but received: -5$')},
  {what: '--wait-timeout abc', yml: plain, args: ['up', '--wait-timeout', 'abc'], code: 2, message: E('--wait-timeout: Expected an integer but received: abc$')},
  {what: '--wait-timeout without a value', yml: plain, args: ['up', '--wait-timeout'], code: 2, message: E('Flag --wait-timeout expects a value$')},
  {what: 'render --out without a value', yml: plain, args: ['render', '--out'], code: 2, message: E('Flag --out expects a value$')},
  {what: '--dir without a value', yml: plain, args: ['up', '-C'], code: 2, message: E('Flag --dir expects a value$')},
  {what: '--stash with --force', yml: plain, args: ['switch', 'x', '--stash', '--force'], code: 2, message: E('.*--force=true cannot also be provided when using --stash')},
  {what: 'switch without a branch', yml: plain, args: ['switch'], code: 2, message: E('Missing 1 required arg: branch')},
  {what: 'volumes clone without branches', yml: plain, args: ['volumes', 'clone'], code: 2, message: E('Missing 2 required args: from .*; to ')},
  {what: 'volumes clone without TO', yml: plain, args: ['volumes', 'clone', 'main'], code: 2, message: E('Missing 1 required arg: to')},
  {what: 'volumes rm without a branch', yml: plain, args: ['volumes', 'rm'], code: 2, message: E('Missing 1 required arg: branch')},
  {what: 'exec without a service', yml: plain, args: ['exec'], code: 2, message: E('Missing 1 required arg: service')},

  // BERTH_* variables: exit 2, before anything runs
  {what: 'BERTH_LOCK_TIMEOUT=abc', yml: plain, args: ['up'], env: {BERTH_LOCK_TIMEOUT: 'abc'}, code: 2, message: envVar('BERTH_LOCK_TIMEOUT', 'a number of seconds')},
  {what: 'BERTH_LOCK_TIMEOUT=-1', yml: plain, args: ['up'], env: {BERTH_LOCK_TIMEOUT: '-1'}, code: 2, message: envVar('BERTH_LOCK_TIMEOUT', 'a number of seconds')},
  {what: 'BERTH_PORT_OFFSET=-1', yml: plain, args: ['up'], env: {BERTH_PORT_OFFSET: '-1'}, code: 2, message: envVar('BERTH_PORT_OFFSET', 'a whole number from 0 to 60000')},
  {what: 'BERTH_PORT_OFFSET=99999', yml: plain, args: ['up'], env: {BERTH_PORT_OFFSET: '99999'}, code: 2, message: envVar('BERTH_PORT_OFFSET', 'a whole number from 0 to 60000')},
  {what: 'BERTH_PORT_OFFSET=1.5', yml: plain, args: ['up'], env: {BERTH_PORT_OFFSET: '1.5'}, code: 2, message: envVar('BERTH_PORT_OFFSET', 'a whole number from 0 to 60000')},
  {what: 'BERTH_IMAGE_MAP=bad', yml: plain, args: ['up'], env: {BERTH_IMAGE_MAP: 'bad'}, code: 2, message: envVar('BERTH_IMAGE_MAP', 'comma-separated FROM=TO image pairs')},
  {what: 'BERTH_DEBUG=yes', yml: plain, args: ['up'], env: {BERTH_DEBUG: 'yes'}, code: 2, message: envVar('BERTH_DEBUG', '1 \\(on\\) or 0 \\(off\\)')},
  {what: 'BERTH_NO_CACHE=maybe', yml: plain, args: ['render'], env: {BERTH_NO_CACHE: 'maybe'}, code: 2, message: envVar('BERTH_NO_CACHE', '1 \\(on\\) or 0 \\(off\\)')},
  {what: 'BERTH_DOOR_MODE=x', yml: plain, args: ['up'], env: {BERTH_DOOR_MODE: 'x'}, code: 2, message: envVar('BERTH_DOOR_MODE', 'host or published')},
  {what: 'BERTH_BRANCH blank', yml: plain, args: ['up'], env: {BERTH_BRANCH: '  '}, code: 2, message: envVar('BERTH_BRANCH', 'a non-empty value')},
  {what: 'BERTH_HELPER_IMAGE blank', yml: plain, args: ['volumes', 'ls'], env: {BERTH_HELPER_IMAGE: ' '}, code: 2, message: envVar('BERTH_HELPER_IMAGE', 'a non-empty value')},
]

// The cases run four at a time (most never reach the engine; berth's start-up is what takes the time).
describe.concurrent('bad input: one line, a documented exit code, nothing made', () => {
  it('has at least 60 cases', ({expect}) => {
    expect(cases.length).toBeGreaterThanOrEqual(60)
  })

  it.for(cases)('$what: exit $code', async (c, {expect}) => {
    const name = uniqueName('t-bad')
    const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
    try {
      if (c.yml) writeFileSync(path.join(dir, 'berth.yml'), c.yml(name))
      for (const [file, text] of Object.entries(c.files ?? {})) {
        mkdirSync(path.dirname(path.join(dir, file)), {recursive: true})
        writeFileSync(path.join(dir, file), text)
      }
      const state = path.join(dir, '.state') // berth's state of this case alone (removed with the folder)
      const started = Date.now()
      const r: CliResult = await berth(c.args, {cwd: dir, env: {BERTH_STATE_DIR: state, BERTH_PORT_OFFSET: '3000', ...c.env}, timeoutMs: 60_000})
      expect(r.code, `exit code; stderr:\n${r.stderr}`).toBe(c.code)
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('berth: error:'))
      expect(errors, r.stderr).toHaveLength(1)
      expect(r.stderr.split('\n')[0]).toMatch(c.message)
      expect(r.stderr).not.toMatch(/^\s+at /m) // no stack trace
      expect(r.stderr).not.toMatch(/›\s+Error:/) // not oclif's own words
      expect(r.stdout).toBe('')
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(await engineObjects(name)).toEqual({containers: [], volumes: [], networks: []})
    } finally {
      await removeProject(name)
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
