// The action's bundle entry: nothing here but the call, so tests import run() without side effects.
import { run } from './action/main.js'

await run()
// End deliberately: @actions/cache can leave keep-alive sockets open after an upload, and a step
// whose work is done must not wait for them. The exit code is the one setFailed left.
process.exit()
