// The bundles run where the runner puts them: no path in them may point into the checkout they were built in.
import { expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'

test.each(['dist/index.js', 'dist/cli/index.js'])('%s has no path the bundler tied to the build directory', file => {
  // ncc rewrites a path.resolve() it can match against a file of the build tree (a dependency's .env,
  // say) into "<bundle dir>/<build checkout's name>/…": wrong at run time, and different per checkout.
  const relocated = readFileSync(file, 'utf8').match(/__nccwpck_require__\.ab \+ "[^"]*"/g) ?? []
  expect(relocated).toEqual([])
})
