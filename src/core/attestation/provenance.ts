// The built-from record: an SLSA provenance v1 statement, kept beside the image (provenance: true) so the
// image's own bytes, and its digest, stay what the commit makes them.
import { STATEMENT_TYPE, statementSubjects, type ResourceDescriptor, type StatementFacts, type Subject } from './statement.js'

export const SLSA_PROVENANCE_PREDICATE = 'https://slsa.dev/provenance/v1'
/** What the parameters below mean: hashdock's build of one commit, described where its records are. */
export const HASHDOCK_BUILD_TYPE = 'https://github.com/hashdock/hashdock/blob/main/docs/attestation.md#provenance'

export interface ProvenanceStatement {
  _type: typeof STATEMENT_TYPE
  subject: Subject[]
  predicateType: typeof SLSA_PROVENANCE_PREDICATE
  predicate: {
    buildDefinition: {
      buildType: typeof HASHDOCK_BUILD_TYPE
      externalParameters: BuildParameters
      internalParameters: { builderDriver?: string }
      resolvedDependencies: ResourceDescriptor[]
    }
    runDetails: {
      builder: { id: string }
      metadata?: { invocationId: string }
    }
  }
}

/**
 * What the build was asked for, as it depends on the commit: paths are the commit's, build arguments
 * and secrets are named without their values (a value may be a credential).
 */
export interface BuildParameters {
  source: string
  context: string
  dockerfile: string
  target?: string
  platforms?: string[]
  buildArgs?: string[]
  buildContexts?: Record<string, string>
  secrets?: string[]
  /** How the extracted files' times were set. */
  mtime: string
  compression: string
}

export interface ProvenanceFacts extends Pick<StatementFacts, 'images' | 'digest' | 'platformDigests' | 'commit' | 'sourceUrl' | 'runUrl'> {
  /** Who built: the workflow file and ref on GitHub, the CLI's package otherwise. */
  builderId: string
  builderDriver?: string
  parameters: Omit<BuildParameters, 'source'>
}

/** The record of how the pushed digest was built. The same facts give the same bytes: it carries no clock. */
export function provenanceStatement(f: ProvenanceFacts): ProvenanceStatement {
  const source = f.sourceUrl ? `git+${f.sourceUrl}@${f.commit}` : f.commit
  return {
    _type: STATEMENT_TYPE,
    subject: statementSubjects(f),
    predicateType: SLSA_PROVENANCE_PREDICATE,
    predicate: {
      buildDefinition: {
        buildType: HASHDOCK_BUILD_TYPE,
        externalParameters: { source, ...f.parameters },
        internalParameters: f.builderDriver ? { builderDriver: f.builderDriver } : {},
        resolvedDependencies: [{ ...(f.sourceUrl ? { uri: source } : {}), digest: { gitCommit: f.commit } }]
      },
      runDetails: {
        builder: { id: f.builderId },
        ...(f.runUrl ? { metadata: { invocationId: f.runUrl } } : {})
      }
    }
  }
}
