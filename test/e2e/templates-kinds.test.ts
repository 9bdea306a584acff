// Every built-in service kind renders to a file Compose accepts (berth's checks, then `docker compose config -q`),
// in dev and in prod mode, on the built CLI. (The official images cannot be pulled here: nothing is started.)
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {useFixtures} from './harness.js'

const KINDS = {
  mysql: {template: 'mysql'},
  maria: {template: 'mariadb', params: {root_password: '${DB_ROOT_PASSWORD:-root}'}},
  mongo: {template: 'mongo', params: {user: 'root', password: 'root'}},
  front: {template: 'nginx', port: 8080, params: {proxy_to: 'web:8000'}, depends_on: ['web']},
  site: {template: 'nginx', params: {site: 'app'}},
  mq: {template: 'rabbitmq'},
  mail: {template: 'mailpit'},
  s3: {template: 'minio'},
}

describe('built-in service kinds render to valid Compose', () => {
  const fixtures = useFixtures()

  for (const env of ['dev', 'qa']) {
    it(`render ${env} --check`, async () => {
      const fx = await fixtures.stack('shop', {
        prefix: 't-kinds',
        ports: [3306, 27017, 8080, 80, 5672, 15672, 8025, 1025, 9000, 9001],
        edit: (doc) => {
          for (const [name, spec] of Object.entries(KINDS)) doc.setIn(['services', name], doc.createNode(spec))
        },
      })
      const r = await fx.ok(['render', env, '--check'])
      const file = path.join(fx.dir, r.stdout.trim())
      const model = JSON.parse(execFileSync('docker', ['compose', '-f', file, 'config', '--format', 'json'], {encoding: 'utf8', env: {...process.env, DB_ROOT_PASSWORD: 's3cret'}}))
      for (const name of Object.keys(KINDS)) {
        expect(model.services[name].healthcheck?.test?.length, name).toBeGreaterThan(1)
        expect(model.services[name].ports, name).toBeUndefined()
      }
      // the generated nginx config passed Compose's interpolation ($$, as Compose writes it back out again)
      expect(model.configs['front-default.conf'].content).toContain('proxy_pass $$berth_upstream;')
      expect(model.services.front.configs).toEqual([{source: 'front-default.conf', target: '/etc/nginx/conf.d/default.conf'}])
      expect(model.services.site.volumes).toContainEqual(expect.objectContaining({type: 'bind', source: path.join(fx.dir, 'app'), target: '/usr/share/nginx/html', read_only: true}))
      expect(model.services.maria.environment.MARIADB_ROOT_PASSWORD).toBe('s3cret')
      // the .env-style reference stays a reference in berth's file
      expect(readFileSync(file, 'utf8')).toContain('${DB_ROOT_PASSWORD:-root}')
      for (const name of ['mysql', 'maria', 'mongo', 'mq', 'mail', 's3']) {
        const data = model.services[name].volumes.find((v: {type: string}) => v.type === 'volume')
        expect(model.volumes[data.source], name).toMatchObject({external: true, name: expect.stringMatching(new RegExp(`^${fx.name}-${env}-main-[0-9a-f]{8}_${name}-data$`))})
      }
      // the header lists every route of the front door, all on 127.0.0.1
      const header = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#   '))
      for (const port of [3306, 27017, 8080, 80, 5672, 15672, 8025, 1025, 9000, 9001]) {
        expect(header.some((l) => l.includes(`127.0.0.1:${port + fx.offset + (env === 'qa' ? 10000 : 0)} ->`)), `port ${port}`).toBe(true)
      }
    })
  }
})
