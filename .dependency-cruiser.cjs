/**
 * The layers, enforced (issue 13; ARCHITECTURE.md "Pieces and dependencies"). `npm run lint` runs this.
 *
 * Each layer names the layers it may import; any other import of our code from it fails, and so does any cycle
 * between folders (src/X, strategies, commands). The table below only lets a layer import layers listed before it,
 * so the arrows themselves leave no room for a cycle (test/cli/layers.test.ts checks that, and plants violations).
 * Type-only imports count (`tsPreCompilationDeps`): an interface a lower layer needs moves down.
 * Where tests live (ARCHITECTURE.md): a test beside the code is a test of its folder and is cruised like it, so it
 * imports only what its folder may; a test that wires layers above its folder lives under test/, which is not cruised.
 */

/** [name, path pattern, may import]. Order matters: a layer may only name layers above it in this list. */
const LAYERS = [
  // Pure domain: instruments, orders, the state machine, ledger, calendar, time, errors, quantity math.
  ['core', '^src/core/', []],
  // The venue boundary: the port, its error taxonomy, the transport, resilience.
  ['broker', '^src/broker/', ['core']],
  // The kernel: event loop and queue, bus, journal, gateway, account view, the strategy interface.
  ['kernel', '^src/engine/', ['core', 'broker']],
  // Users and implementations of the kernel.
  ['indicators', '^src/indicators/', ['core']],
  ['data', '^src/data/', ['core']],
  ['report', '^src/report/', ['core', 'kernel']],
  ['state', '^src/state/', ['core', 'broker', 'kernel']],
  ['risk', '^src/risk/', ['core', 'broker', 'kernel', 'state', 'report']],
  ['services', '^src/services/', ['core', 'broker', 'kernel', 'indicators', 'state']],
  ['strategies', '^strategies/', ['core', 'broker', 'kernel', 'indicators', 'state', 'services']],
  ['sim', '^src/sim/', ['core', 'broker', 'kernel']],
  ['adapters', '^src/adapters/', ['core', 'broker', 'kernel']],
  // The boundary's parsers (times, strategy parameters, fleet files, flags), read by the wiring and the commands.
  ['config', '^src/config/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters']],
  // The per-mode wiring: backtest, replay, scenario, multi-account, the paper/live session.
  ['run', '^src/run/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters', 'config']],
  ['simtest', '^src/simtest/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters', 'config', 'run']],
  ['emulator', '^src/emulator/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters', 'config', 'run']],
  // The process: credentials, lock, logs, health, the session process; then the commands.
  ['ops', '^src/ops/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters', 'config', 'run']],
  ['commands', '^commands/', ['core', 'broker', 'kernel', 'indicators', 'data', 'report', 'state', 'risk', 'services', 'strategies', 'sim', 'adapters', 'config', 'run', 'simtest', 'emulator', 'ops']],
]

const OURS = '^(src|strategies|commands)/'
const pathOf = new Map(LAYERS.map(([name, path]) => [name, path]))

const layerRules = LAYERS.map(([name, path, may]) => ({
  name: `layer-${name}`,
  severity: 'error',
  comment: may.length === 0 ? `${name} imports nothing of ours` : `${name} may import only ${may.join(', ')}`,
  from: {path},
  to: {path: OURS, pathNot: [path, ...may.map((m) => pathOf.get(m))]},
}))

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'A cycle between folders (modules): each folder must sit above or below every other it touches.',
      scope: 'folder',
      from: {path: '^(src/[^/]+|strategies|commands)$'},
      to: {path: '^(src/[^/]+|strategies|commands)$', circular: true},
    },
    {
      name: 'layer-unknown',
      severity: 'error',
      comment: 'Every folder of ours belongs to a layer: add a new one to LAYERS in .dependency-cruiser.cjs.',
      from: {path: OURS, pathNot: [...pathOf.values(), '^src/types/']},
      to: {path: OURS},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    exclude: {path: ['^test/', '^dist/', 'node_modules']},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {extensions: ['.ts', '.js', '.mjs', '.cjs', '.json']},
  },
}

// For test/cli/layers.test.ts (not enumerable: the config schema allows no extra keys).
Object.defineProperty(module.exports, 'LAYERS', {value: LAYERS, enumerable: false})
