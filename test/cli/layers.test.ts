/**
 * The layers are enforced (issue 13): `npm run lint` runs dependency-cruiser with .dependency-cruiser.cjs, which
 * fails on an import against the arrows (type-only imports included) and on a cycle between folders. Violations
 * are planted in a small fixture tree shaped like ours; the real tree must pass. Tests beside the code are cruised
 * like the code (ARCHITECTURE.md "Where tests live"); tests under test/ are not.
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {ROOT} from '../support/cli.js'

const CONFIG = join(ROOT, '.dependency-cruiser.cjs')
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const DIRS = ['src', 'strategies', 'commands']

function depcruise(cwd: string): {code: number | null; out: string} {
  const r = spawnSync(process.execPath, [DEPCRUISE, ...DIRS, '--config', CONFIG, '--output-type', 'err'], {cwd, encoding: 'utf8', timeout: 180_000})
  return {code: r.status, out: r.stdout + r.stderr}
}

/** A legal tree: one file per layer, each importing the layer below it. */
const LEGAL: Record<string, string> = {
  'src/core/qty.ts': 'export const core = 1\n',
  'src/broker/port.ts': "import {core} from '../core/qty.js'\nexport const broker = core\n",
  'src/engine/loop.ts': "import {broker} from '../broker/port.js'\nexport interface Sink {n: number}\nexport const kernel = broker\n",
  'src/sim/exchange.ts': "import {kernel} from '../engine/loop.js'\nexport const sim = kernel\n",
  'strategies/grid.ts': "import {kernel} from '../src/engine/loop.js'\nexport const grid = kernel\n",
  'src/run/backtest.ts': "import {sim} from '../sim/exchange.js'\nimport {grid} from '../../strategies/grid.js'\nexport const run = sim + grid\n",
  'src/ops/session.ts': "import {run} from '../run/backtest.js'\nexport const ops = run\n",
  'commands/backtest.ts': "import {ops} from '../src/ops/session.js'\nexport const command = ops\n",
}

let dir: string | undefined

function tree(extra: Record<string, string> = {}): string {
  dir = mkdtempSync(join(tmpdir(), 'trader-layers-'))
  const files = {
    'package.json': '{"type": "module"}\n',
    'tsconfig.json': JSON.stringify({compilerOptions: {module: 'NodeNext', moduleResolution: 'NodeNext', strict: true}, include: DIRS}),
    ...LEGAL,
    ...extra,
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), {recursive: true})
    writeFileSync(join(dir, path), text)
  }
  return dir
}

afterEach(() => {
  if (dir) rmSync(dir, {recursive: true, force: true})
  dir = undefined
})

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  it('npm run lint runs them after eslint', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>}
    expect(pkg.scripts.lint).toBe(`eslint . && depcruise ${DIRS.join(' ')} --config .dependency-cruiser.cjs`)
  })

  it('list each layer after every layer it may import, so no cycle between folders can pass', () => {
    const layers = (createRequire(import.meta.url)(CONFIG) as {LAYERS: [string, string, string[]][]}).LAYERS
    const seen = new Set<string>()
    for (const [name, , may] of layers) {
      for (const m of may) expect(seen.has(m), `${name} may import ${m}, listed after it`).toBe(true)
      seen.add(name)
    }
    expect(layers[0]).toEqual(['core', '^src/core/', []])
  })

  it('pass a legal tree', () => {
    const r = depcruise(tree())
    expect(r.code, r.out).toBe(0)
  })

  it('fail an upward import: core importing the engine', () => {
    const r = depcruise(tree({'src/core/up.ts': "import {kernel} from '../engine/loop.js'\nexport const up = kernel\n"}))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/layer-core: src\/core\/up\.ts → src\/engine\/loop\.ts/)
  })

  it('fail a type-only upward import: the broker taking a type from the engine', () => {
    const r = depcruise(tree({'src/broker/sink.ts': "import type {Sink} from '../engine/loop.js'\nexport type BrokerSink = Sink\n"}))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/layer-broker: src\/broker\/sink\.ts → src\/engine\/loop\.ts/)
  })

  it('fail the kernel importing the per-mode wiring, and the wiring importing the process layer', () => {
    const r = depcruise(tree({
      'src/engine/wired.ts': "import {run} from '../run/backtest.js'\nexport const wired = run\n",
      'src/run/proc.ts': "import {ops} from '../ops/session.js'\nexport const proc = ops\n",
    }))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/layer-kernel: src\/engine\/wired\.ts → src\/run\/backtest\.ts/)
    expect(r.out).toMatch(/layer-run: src\/run\/proc\.ts → src\/ops\/session\.ts/)
  })

  it('fail a cycle between folders', () => {
    // engine → sim → engine: two files, no file cycle, but the folders import each other.
    const r = depcruise(tree({'src/engine/venue.ts': "import {sim} from '../sim/exchange.js'\nexport const venue = sim\n"}))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/no-folder-cycle: src\/engine →\s+src\/sim →\s+src\/engine/)
  })

  it('fail a folder no layer claims', () => {
    const r = depcruise(tree({'src/misc/x.ts': "import {core} from '../core/qty.js'\nexport const x = core\n"}))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/layer-unknown: src\/misc\/x\.ts → src\/core\/qty\.ts/)
  })

  it('fail a beside-code test that imports above its folder (a strategy test running a backtest)', () => {
    const r = depcruise(tree({'strategies/grid.test.ts': "import {run} from '../src/run/backtest.js'\nexport const wired = run\n"}))
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/layer-strategies: strategies\/grid\.test\.ts → src\/run\/backtest\.ts/)
  })

  it('pass a beside-code test that imports what its folder may, and a test under test/ that wires any layer', () => {
    const r = depcruise(tree({
      'strategies/grid.test.ts': "import {grid} from './grid.js'\nimport {kernel} from '../src/engine/loop.js'\nexport const unit = grid + kernel\n",
      'test/strategies/grid-backtest.test.ts': "import {run} from '../../src/run/backtest.js'\nexport const wired = run\n",
    }))
    expect(r.code, r.out).toBe(0)
  })

  it('pass the real tree', () => {
    const r = depcruise(ROOT)
    expect(r.code, r.out).toBe(0)
  }, 180_000)
})
