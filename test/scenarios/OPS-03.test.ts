/**
 * OPS-03: state, journal and lock files are created 0600, their directories 0700 — whatever the umask.
 * Bites: a plain writeFileSync / mkdirSync (the old bots' way) gives 0644 / 0755 under the usual umask 022,
 * which the first assertion below shows for a control file written that way.
 */
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {writeFileAtomic} from '../../src/state/atomic-file.js'
import {acquireLock} from '../../src/state/instance-lock.js'
import {JournalFile} from '../../src/state/journal-file.js'

const root = mkdtempSync(join(tmpdir(), 'trader-ops03-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))
const mode = (p: string): number => statSync(p).mode & 0o777

describe('OPS-03: private files and directories', () => {
  it('creates journal, snapshot and lock files 0600 in 0700 directories, even under a permissive umask', () => {
    const old = process.umask(0o000)
    try {
      // Control: the naive way inherits the umask and is world-readable.
      mkdirSync(join(root, 'naive'))
      writeFileSync(join(root, 'naive', 'state.json'), '{}')
      expect(mode(join(root, 'naive', 'state.json'))).toBe(0o666)
      expect(mode(join(root, 'naive'))).toBe(0o777)

      const journal = new JournalFile(join(root, 'journals', 'acct', 'session.journal'))
      journal.append({t: 1, type: 'intent', data: {}})
      journal.close()
      writeFileAtomic(join(root, 'state', 'acct', 'snapshot.json'), '{}')
      const lock = acquireLock(join(root, 'locks'), 'acct', new Date(0))
      for (const f of [join(root, 'journals', 'acct', 'session.journal'), join(root, 'state', 'acct', 'snapshot.json'), lock.path, join(root, 'locks', 'acct.epoch')]) {
        expect([f, mode(f)]).toEqual([f, 0o600])
      }
      for (const d of [join(root, 'journals'), join(root, 'journals', 'acct'), join(root, 'state', 'acct'), join(root, 'locks')]) {
        expect([d, mode(d)]).toEqual([d, 0o700])
      }
      lock.release()
    } finally {
      process.umask(old)
    }
  })
})
