// The core's messages in a terminal user's words: inputs become the flags a developer types.
import { expect, test } from '@jest/globals'
import { terminalMessage } from '../../src/cli/messages.js'

test.each<[string, string]>([
  ['skopeo is not installed. Install it, or set push to false.', 'skopeo is not installed. Install it, or pass --push false.'],
  ["dockerfile: 'Dockerfile' is not a file at commit abc; set dockerfile to its path in the repository", "--dockerfile: 'Dockerfile' is not a file at commit abc; pass its path in the repository with --dockerfile"],
  ['compose-file: privileged: true; remove it, or set compose-trust: host for a trusted commit', '--compose-file: privileged: true; remove it, or pass --compose-trust host for a trusted commit'],
  ["builder: no builder named 'x': gone; create it or leave builder empty", "--builder: no builder named 'x': gone; create it or leave out --builder"],
  ["image: 'a/b:1' must not carry a tag; extra tags go in the tags input", "--image: 'a/b:1' must not carry a tag; extra tags go in --tags"],
  ['artifacts: takes files out of one platform\'s build; build one platform (platforms) or leave artifacts empty', "--artifacts: takes files out of one platform's build; build one platform (--platforms) or leave out --artifacts"],
  ['export-dir: hands on one image; set platforms to the one platform this job builds, e.g. linux/arm64', '--export-dir: hands on one image; pass the one platform this job builds with --platforms, e.g. linux/arm64'],
  ['the engine was set up to fail', 'the engine was set up to fail']
])('%s', (message, words) => {
  expect(terminalMessage(message)).toBe(words)
})
