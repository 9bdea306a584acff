import {describe, expect, it} from 'vitest'
import {hasRegistryHost, parseImageMap, resolveImage} from '../../src/core/images.js'

describe('image references', () => {
  it('parses BERTH_IMAGE_MAP', () => {
    expect(parseImageMap('node:20-bookworm-slim=local/node:20, postgres:15=local/postgres:15')).toEqual({
      'node:20-bookworm-slim': 'local/node:20',
      'postgres:15': 'local/postgres:15',
    })
  })

  it('rejects an entry without =', () => {
    expect(() => parseImageMap('node:20')).toThrow(/invalid entry "node:20".*FROM=TO/)
  })

  it('maps first, then prefixes a private registry only where no registry is named', () => {
    const options = {images: {'postgres:15': 'local/postgres:15'}, registry: 'registry.example.com/mirror/'}
    expect(resolveImage('postgres:15', options)).toBe('local/postgres:15')
    expect(resolveImage('node:20-bookworm-slim', options)).toBe('registry.example.com/mirror/node:20-bookworm-slim')
    expect(resolveImage('ghcr.io/acme/app:1', options)).toBe('ghcr.io/acme/app:1')
    expect(resolveImage('localhost:5000/app', options)).toBe('localhost:5000/app')
    expect(resolveImage('redis:7', {images: {}})).toBe('redis:7')
  })

  it('tells a registry host from a Docker Hub namespace', () => {
    expect(hasRegistryHost('library/node')).toBe(false)
    expect(hasRegistryHost('registry.local/node')).toBe(true)
  })
})
