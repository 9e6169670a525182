import {describe, expect, it} from 'vitest'
import {resolveRoots} from './paths.js'

describe('roots (OPS-02, ALP-09)', () => {
  const base = {cwd: '/work/x', homeDir: '/home/ann'}

  it('defaults under ~/.trader', () => {
    expect(resolveRoots({...base, env: {}})).toEqual({
      home: '/home/ann/.trader',
      data: '/home/ann/.trader/data',
      state: '/home/ann/.trader/state',
      journals: '/home/ann/.trader/journals',
      logs: '/home/ann/.trader/logs',
    })
  })

  it('takes flags over environment over config over defaults, and expands ~ and relative paths', () => {
    const r = resolveRoots({
      ...base,
      env: {TRADER_HOME: '/srv/trader', TRADER_STATE_DIR: '~/state', TRADER_LOG_DIR: ''},
      config: {state: '/etc/ignored', logs: 'logs-from-config', journals: '/var/journals'},
      flags: {journals: 'j'},
    })
    expect(r).toEqual({home: '/srv/trader', data: '/srv/trader/data', state: '/home/ann/state', journals: '/work/x/j', logs: '/work/x/logs-from-config'})
  })

  it('another user or directory gets its own paths: nothing is shared by accident', () => {
    const ann = resolveRoots({env: {}, cwd: '/a', homeDir: '/home/ann'})
    const bob = resolveRoots({env: {}, cwd: '/b', homeDir: '/home/bob'})
    for (const k of ['data', 'state', 'journals', 'logs'] as const) expect(ann[k]).not.toBe(bob[k])
  })
})
