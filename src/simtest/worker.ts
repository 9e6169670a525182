/** A campaign worker: runs each seed it is sent and answers with the seed's summary (see campaign.ts). */
import {parentPort, workerData} from 'node:worker_threads'
import {summariseSeed} from './campaign.js'

const {outDir, determinismEvery} = workerData as {outDir?: string; determinismEvery?: number}
parentPort!.on('message', (seed: number) => {
  void summariseSeed(seed, outDir, determinismEvery).then((s) => parentPort!.postMessage(s))
})
