import {describe, expect, it} from 'vitest'
import {dockerfileStages, isRootUser, stageUser, targetStage} from '../../src/core/dockerfile.js'
import {parseDockerIgnore} from '../../src/core/dockerignore.js'

describe('Dockerfile stages', () => {
  it('reads FROM ... AS name lines in any case, with --platform, and their USER', () => {
    const stages = dockerfileStages(`# syntax=docker/dockerfile:1
ARG BASE_IMAGE=node:20
from --platform=$BUILDPLATFORM \${BASE_IMAGE} As Deps
RUN npm ci
FROM \${BASE_IMAGE} AS production
USER node
CMD ["node", "server.js"]
`)
    expect(stages.map((s) => [s.index, s.name, s.from, s.line, s.user])).toEqual([
      [0, 'deps', '${BASE_IMAGE}', 3, undefined],
      [1, 'production', '${BASE_IMAGE}', 5, 'node'],
    ])
  })

  it('joins continuation lines, skips comments inside them and heredoc bodies, and honours the escape directive', () => {
    const text = `FROM node:20 \\
  AS build
RUN <<EOF
FROM not-a-stage AS nope
EOF
# FROM commented AS out
FROM build \\
# a comment in a continuation
  AS final`
    expect(dockerfileStages(text).map((s) => s.name)).toEqual(['build', 'final'])
    const backtick = '# escape=`\nFROM node:20 `\n  AS win\nUSER app'
    expect(dockerfileStages(backtick)).toMatchObject([{name: 'win', user: 'app'}])
  })

  it('picks the target stage, or the last one without a target', () => {
    const stages = dockerfileStages('FROM a AS one\nFROM b AS Two\nFROM c\n')
    expect(targetStage(stages, 'two')?.index).toBe(1)
    expect(targetStage(stages, 'TWO')?.index).toBe(1)
    expect(targetStage(stages)?.index).toBe(2)
    expect(targetStage(stages, 'three')).toBeUndefined()
    expect(targetStage([], undefined)).toBeUndefined()
  })

  it('finds the user a stage inherits from an earlier stage it starts from (by name or index), and none for a plain image', () => {
    const stages = dockerfileStages('FROM node:20 AS base\nUSER node\nFROM base AS production\nCMD x\nFROM node:20 AS bare\nFROM 0 AS byindex\nFROM loop AS loop\n')
    expect(stageUser(stages, stages[1])).toBe('node')
    expect(stageUser(stages, stages[2])).toBeUndefined()
    expect(stageUser(stages, stages[3])).toBe('node')
    expect(stageUser(stages, stages[4])).toBeUndefined() // a stage FROM itself does not loop
    expect(dockerfileStages('FROM a\nUSER app\nUSER 1000:1000\n')[0].user).toBe('1000:1000') // the last USER
  })

  it('tells root users', () => {
    for (const u of ['root', '0', '0:0', 'root:staff']) expect(isRootUser(u)).toBe(true)
    for (const u of ['node', '1000', '1000:0', 'rooter']) expect(isRootUser(u)).toBe(false)
  })
})

describe('.dockerignore', () => {
  it('leaves out matches and what is under a matching folder; the last matching line wins', () => {
    const ig = parseDockerIgnore('# deps\nnode_modules\n/.berth/\n*.log\n**/*.tmp\n!keep.log\ndocs/*.md\n')
    expect(ig.ignores('node_modules')).toBe(true)
    expect(ig.ignores('node_modules/pg/index.js')).toBe(true)
    expect(ig.ignores('.berth/qa.compose.yml')).toBe(true)
    expect(ig.ignores('debug.log')).toBe(true)
    expect(ig.ignores('keep.log')).toBe(false)
    expect(ig.ignores('sub/debug.log')).toBe(false) // * stays within a segment
    expect(ig.ignores('a/b/c.tmp')).toBe(true)
    expect(ig.ignores('c.tmp')).toBe(true)
    expect(ig.ignores('docs/a.md')).toBe(true)
    expect(ig.ignores('docs/sub/a.md')).toBe(false)
    expect(ig.ignores('server.js')).toBe(false)
    expect(ig.skipsFolder('node_modules')).toBe(false) // an exception line exists: folders are walked
    expect(parseDockerIgnore('node_modules\n').skipsFolder('node_modules')).toBe(true)
    expect(parseDockerIgnore(undefined).ignores('anything')).toBe(false)
  })
})
