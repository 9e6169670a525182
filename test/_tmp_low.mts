import {loadBases} from '../src/simtest/bases.js'
import {runSeed} from '../src/simtest/run-seed.js'
const bases = await loadBases()
for (const seed of process.argv.slice(2).map(Number)) { const o = await runSeed(seed, bases, {twice: false}); console.log(seed, o.plan.base, JSON.stringify(o.plan.faults).replace(/"\w+":0,?/g,''), o.violations.length ? o.violations.map(v => v.rule + ': ' + v.detail.slice(0, 100)).join(' | ') : 'pass') }
