// Bad input gets one actionable line, a documented exit code, no stack trace, and changes nothing.
import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {Document, parseDocument, type Scalar, type YAMLSeq} from 'yaml'
import {berth, containersOf, stackFixture, volumesOf, type CliResult, type Fixture} from './harness.js'

/** A "billion laughs" (9 levels of 10 aliases: 10^9 values once expanded) put under `at` in `doc`. */
function addAliasBomb(doc: Document, at: string[]) {
  let previous: Scalar | YAMLSeq = doc.createNode('lol')
  previous.anchor = 'l0'
  doc.setIn([...at, 'L0'], previous)
  for (let i = 1; i <= 9; i++) {
    const level = doc.createNode([]) as YAMLSeq
    for (let j = 0; j < 10; j++) level.items.push(doc.createAlias(previous))
    level.anchor = `l${i}`
    doc.setIn([...at, `L${i}`], level)
    previous = level
  }
}

function expectOneActionableError(r: CliResult, code: number, message: RegExp) {
  expect(r.code, r.stderr).toBe(code)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines[0]).toMatch(/^berth: error: /)
  expect(lines[0]).toMatch(message)
  expect(r.stderr).not.toMatch(/^\s+at /m) // no stack trace without --debug
  expect(r.stdout).toBe('')
}

async function expectNothingChanged(fx: Fixture) {
  expect(existsSync(path.join(fx.dir, '.berth', 'dev.compose.yml'))).toBe(false)
  expect(await containersOf(fx.name)).toEqual([])
  expect(await volumesOf(fx.name)).toEqual([])
}

describe('bad input', () => {
  let fx: Fixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  const editStack = (f: Fixture, edit: (text: string) => string) => {
    const file = path.join(f.dir, 'berth.yml')
    writeFileSync(file, edit(readFileSync(file, 'utf8')))
  }

  const editDoc = (f: Fixture, edit: (doc: Document) => void) => {
    const file = path.join(f.dir, 'berth.yml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    edit(doc)
    writeFileSync(file, doc.toString())
  }

  const writeTemplate = (f: Fixture, name: string, edit: (doc: Document) => void) => {
    const doc = new Document({service: {image: 'node:20-bookworm-slim'}})
    edit(doc)
    mkdirSync(path.join(f.dir, 'templates', 'services'), {recursive: true})
    writeFileSync(path.join(f.dir, 'templates', 'services', name), doc.toString())
  }

  it('malformed YAML: file, line and column', async () => {
    fx = await stackFixture('shop')
    editStack(fx, (t) => t.replace('    port: 8000\n', '    port: [8000\n'))
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 3, /^berth: error: berth\.yml:\d+:\d+: invalid YAML: /)
    await expectNothingChanged(fx)
  })

  // Every failure of the YAML reader is exit 3 with file:line:col, quickly (no expansion of a billion laughs).
  const yamlFailures: Array<[string, (f: Fixture) => void, RegExp]> = [
    ['a billion laughs inside env', (f) => editDoc(f, (doc) => addAliasBomb(doc, ['services', 'web', 'env'])), /^berth: error: berth\.yml:\d+:\d+: invalid YAML: too many aliases expanded/],
    ['a billion laughs in a template', (f) => writeTemplate(f, 'bomb.yml', (doc) => addAliasBomb(doc, ['service', 'environment'])), /^berth: error: templates\/services\/bomb\.yml:\d+:\d+: invalid YAML: too many aliases expanded/],
    ['a duplicate key', (f) => editStack(f, (t) => t.replace('  db:\n', '  db:\n    template: postgres\n')), /^berth: error: berth\.yml:\d+:5: invalid YAML: duplicate key "template" \(first at line \d+\)$/],
    ['a tab as indentation', (f) => editStack(f, (t) => t.replace('    template: redis', '\ttemplate: redis')), /^berth: error: berth\.yml:\d+:1: invalid YAML: a tab used for indentation/],
    ['an unclosed quote', (f) => editStack(f, (t) => t.replace('template: redis', 'template: "redis')), /^berth: error: berth\.yml:\d+:15: invalid YAML: a quoted string is not closed/],
    ['several documents', (f) => editStack(f, (t) => `${t}---\nname: other\n`), /^berth: error: berth\.yml:\d+:1: invalid YAML: several YAML documents in one file/],
  ]
  it.each(yamlFailures)('YAML: %s', async (_what, edit, message) => {
    fx = await stackFixture('shop')
    edit(fx)
    const started = Date.now()
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expect(Date.now() - started).toBeLessThan(10_000)
    expectOneActionableError(r, 3, message)
    await expectNothingChanged(fx)
  })

  it('unknown flag: one line naming it and the command\'s help, not the whole usage', async () => {
    fx = await stackFixture('shop')
    const r = await berth(['up', '--bogus'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 2, /^berth: error: Nonexistent flag: --bogus$/)
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.any(String), '  Try this: berth up --help'])
    await expectNothingChanged(fx)
  })

  it.each([['-n', 'abc'], ['--tail', '-5']])('logs %s %s: not a number of lines, one usage line (exit 2)', async (flag, value) => {
    fx = await stackFixture('shop')
    const r = await berth(['logs', flag, value], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 2, new RegExp(`^berth: error: --tail "${value}" is not a number of lines`))
    await expectNothingChanged(fx)
  })

  it('schema violation: what was expected, where', async () => {
    fx = await stackFixture('shop')
    editStack(fx, (t) => t.replace('    port: 8000\n', '    port: eighty\n'))
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 3, /berth\.yml:\d+:11: services\.web\.port must be an integer \(got the string "eighty"\)$/)
    await expectNothingChanged(fx)
  })

  it('an environment variable name with a leading digit: its key, file:line:col', async () => {
    fx = await stackFixture('shop')
    editStack(fx, (t) => t.replace('      REDIS_URL: redis://cache:6379\n', '      REDIS_URL: redis://cache:6379\n      1BAD: x\n'))
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 3, /^berth: error: berth\.yml:\d+:7: invalid environment variable name "1BAD" in services\.web\.env: /)
    await expectNothingChanged(fx)
  })

  it('unknown template: lists the known ones', async () => {
    fx = await stackFixture('shop')
    editStack(fx, (t) => t.replace('template: redis', 'template: rediss'))
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 3, /berth\.yml:\d+:\d+: unknown template "rediss" for service "cache"$/)
    expect(r.stderr).toMatch(/Try this: Known templates: .*mysql, nginx, node, postgres, rabbitmq, redis/)
    await expectNothingChanged(fx)
  })

  it('unknown environment: lists the known ones', async () => {
    fx = await stackFixture('shop')
    const r = await berth(['up', 'prod'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 2, /unknown environment "prod"$/)
    expect(r.stderr).toMatch(/Known environments: dev, qa, stage/)
    await expectNothingChanged(fx)
  })

  it('missing build context', async () => {
    fx = await stackFixture('shop')
    editStack(fx, (t) => t.replace('    build: app\n', '    build: ./docker/web\n'))
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expectOneActionableError(r, 3, /berth\.yml:\d+:\d+: build context "\.\/docker\/web" of service "web" does not exist/)
    await expectNothingChanged(fx)
  })

  it('a host port already taken: names the port and who holds it', async () => {
    fx = await stackFixture('shop')
    const port = 8000 + fx.offset
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen({host: '127.0.0.1', port}, resolve))
    try {
      const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
      expectOneActionableError(r, 5, new RegExp(`port ${port} on 127\\.0\\.0\\.1 \\(service web\\) is already in use by .*\\(pid ${process.pid}\\)`))
      expect(r.stderr).toMatch(/Try this: .*host_port/)
      await expectNothingChanged(fx)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it('no engine: says where it looked and what to do', async () => {
    fx = await stackFixture('shop')
    const r = await berth(['up'], {cwd: fx.dir, env: {...fx.env, DOCKER_HOST: 'unix:///nonexistent'}})
    expectOneActionableError(r, 4, /cannot reach the Docker engine at unix:\/\/\/nonexistent/)
    expect(r.stderr).toMatch(/Try this: Start Docker/)
    await expectNothingChanged(fx)
  })

  it('no engine behind the current docker context: berth asks the engine the docker CLI would, and names it', async () => {
    fx = await stackFixture('shop')
    // A docker config whose current context (made by the docker CLI itself) points at an engine that is not there.
    const config = mkdtempSync(path.join(os.tmpdir(), 'berth-docker-config-'))
    execFileSync('docker', ['context', 'create', 'elsewhere', '--docker', 'host=unix:///nonexistent/docker.sock'], {env: {...process.env, DOCKER_CONFIG: config}, stdio: 'ignore'})
    execFileSync('docker', ['context', 'use', 'elsewhere'], {env: {...process.env, DOCKER_CONFIG: config}, stdio: 'ignore'})
    const env: NodeJS.ProcessEnv = {...fx.env, DOCKER_CONFIG: config}
    delete env.DOCKER_HOST
    const r = await berth(['up'], {cwd: fx.dir, env})
    expectOneActionableError(r, 4, /cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock \(docker context elsewhere\)/)
    await expectNothingChanged(fx)
  })

  it('Compose v1 only: says v2 is needed and how to get it', async () => {
    fx = await stackFixture('shop')
    const bin = mkdtempSync(path.join(os.tmpdir(), 'berth-v1-'))
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\necho "docker: \'compose\' is not a docker command." >&2\nexit 1\n')
    writeFileSync(path.join(bin, 'docker-compose'), '#!/bin/sh\necho "1.29.2"\n')
    chmodSync(path.join(bin, 'docker'), 0o755)
    chmodSync(path.join(bin, 'docker-compose'), 0o755)
    const r = await berth(['up'], {cwd: fx.dir, env: {...fx.env, PATH: `${bin}:${process.env.PATH}`}})
    expectOneActionableError(r, 4, /berth needs Docker Compose v2, but only Compose v1 \(docker-compose 1\.29\.2\) is installed$/)
    expect(r.stderr).toMatch(/Try this: Install the Compose v2 plugin/)
    await expectNothingChanged(fx)
  })

  it('--debug adds the stack trace', async () => {
    fx = await stackFixture('shop')
    const r = await berth(['up', 'prod', '--debug'], {cwd: fx.dir, env: fx.env})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^\s+at /m)
  })
})
