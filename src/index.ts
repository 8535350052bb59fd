// The action's bundle entry: nothing here but the call, so tests import run() without side effects.
import { run } from './action/main.js'

await run()
