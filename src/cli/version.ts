// The CLI's version: package.json's, bundled at build time, so the bundle says what it is wherever it is copied.
import pkg from '../../package.json' with { type: 'json' }

export const VERSION: string = pkg.version
